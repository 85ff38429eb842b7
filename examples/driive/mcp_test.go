package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestMCP drives /mcp of the built binary with the official Go SDK's
// client over real HTTP, on every database: tools per permission, every
// tool, a read key's refusal, a key revoked mid-session, a session that
// another key tries to continue, and organizations kept apart.
func TestMCP(t *testing.T) {
	bin := builtBinary(t)
	forEachDB(t, func(t *testing.T, db string) { testMCP(t, bin, db) })
}

// bearerTransport adds a key to every request, as an MCP client's
// configuration does with an Authorization header.
type bearerTransport struct{ key string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

func mcpConnect(t *testing.T, url, key string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "driive-test", Version: "1"}, nil)
	s, err := c.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint: url + "/mcp", HTTPClient: &http.Client{Transport: bearerTransport{key}},
		DisableStandaloneSSE: true, MaxRetries: -1,
	}, nil)
	if err != nil {
		t.Fatalf("connecting to /mcp: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// call calls a tool; wantErr: whether it must be a tool error. It returns
// the structured result as JSON-decoded values, and the text.
func call(t *testing.T, s *mcp.ClientSession, name string, args any, wantErr bool) (map[string]any, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text += tc.Text
		}
	}
	if res.IsError != wantErr {
		t.Fatalf("%s(%v): IsError %v, want %v; %s", name, args, res.IsError, wantErr, text)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: structured result %s: %v", name, raw, err)
	}
	return out, text
}

func toolNames(t *testing.T, s *mcp.ClientSession) []string {
	t.Helper()
	res, err := s.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		if schema, _ := tool.InputSchema.(map[string]any); schema["type"] != "object" {
			t.Fatalf("%s: input schema %v", tool.Name, tool.InputSchema)
		}
	}
	slices.Sort(names)
	return names
}

var (
	mcpReadTools = []string{"get_appointment", "get_availability", "get_contact", "get_team_member",
		"list_appointments", "list_contacts", "list_team_members"}
	mcpWriteTools = []string{"create_appointment", "create_contact", "create_team_member",
		"delete_appointment", "delete_contact", "delete_team_member",
		"update_appointment", "update_contact", "update_team_member"}
)

func testMCP(t *testing.T, bin, db string) {
	srv := startServer(t, bin, db, nil, "-admin-password", "correct horse battery")
	mkKey := func(org, perm string) string {
		return strings.TrimSpace(runBinary(t, bin, "keys", "create", "-org", org, "-name", "mcp "+perm, "-permission", perm, "-db", db))
	}
	write, read, other := mkKey("acme", "write"), mkKey("acme", "read"), mkKey("rival", "write")
	w, r := mcpConnect(t, srv.url, write), mcpConnect(t, srv.url, read)

	all := slices.Sorted(slices.Values(append(slices.Clone(mcpReadTools), mcpWriteTools...)))
	if got := toolNames(t, w); !slices.Equal(got, all) {
		t.Fatalf("write key's tools %v, want %v", got, all)
	}
	if got := toolNames(t, r); !slices.Equal(got, mcpReadTools) {
		t.Fatalf("read key's tools %v, want %v", got, mcpReadTools)
	}

	// Every tool, with the write key.
	c, _ := call(t, w, "create_contact", map[string]any{"name": "Ada", "email": "ada@example.com"}, false)
	contact := c["id"].(string)
	wantKeys(t, c, "id", "name", "email", "phone", "created_at", "updated_at")
	m, _ := call(t, w, "create_team_member", map[string]any{"name": "Ines", "time_zone": "Europe/Paris",
		"working_hours": []map[string]string{{"day": "mon", "start": "09:00", "end": "17:00"}}}, false)
	member := m["id"].(string)
	a, _ := call(t, w, "create_appointment", map[string]any{"title": "Lesson", "starts_at": "2030-04-01T10:00:00Z",
		"ends_at": "2030-04-01T11:00:00Z", "contact_id": contact, "team_member_id": member}, false)
	appt := a["id"].(string)
	for _, tc := range []struct{ tool, id, member, want string }{
		{"get_contact", contact, "name", "Ada"},
		{"get_team_member", member, "time_zone", "Europe/Paris"},
		{"get_appointment", appt, "contact_id", contact},
	} {
		got, _ := call(t, r, tc.tool, map[string]any{"id": tc.id}, false)
		if got[tc.member] != tc.want {
			t.Fatalf("%s: %v", tc.tool, got)
		}
	}
	if u, _ := call(t, w, "update_contact", map[string]any{"id": contact, "email": nil, "phone": "555-0100"}, false); u["email"] != nil || u["phone"] != "555-0100" || u["name"] != "Ada" {
		t.Fatalf("update_contact: %v", u)
	}
	if u, _ := call(t, w, "update_appointment", map[string]any{"id": appt, "title": "Exam"}, false); u["title"] != "Exam" {
		t.Fatalf("update_appointment: %v", u)
	}
	if u, _ := call(t, w, "update_team_member", map[string]any{"id": member, "role": "instructor"}, false); u["role"] != "instructor" {
		t.Fatalf("update_team_member: %v", u)
	}
	for _, tool := range []string{"list_contacts", "list_appointments", "list_team_members"} {
		page, _ := call(t, r, tool, map[string]any{"limit": 10}, false)
		if data, _ := page["data"].([]any); len(data) != 1 || page["next_cursor"] != nil {
			t.Fatalf("%s: %v", tool, page)
		}
	}
	// Monday 2030-04-01 in Paris (summer time): 09:00-17:00 is 07:00Z-15:00Z, less the lesson.
	av, _ := call(t, r, "get_availability", map[string]any{"team_member_id": member,
		"from": "2030-04-01T00:00:00Z", "to": "2030-04-02T00:00:00Z", "duration": "1h"}, false)
	if got := jsonText(av["data"]); got != `[{"ends_at":"2030-04-01T10:00:00Z","starts_at":"2030-04-01T07:00:00Z","team_member_id":"`+member+`"},{"ends_at":"2030-04-01T15:00:00Z","starts_at":"2030-04-01T11:00:00Z","team_member_id":"`+member+`"}]` {
		t.Fatalf("get_availability: %s", got)
	}

	// Validation errors are tool errors naming the fields; bad arguments too.
	p, text := call(t, w, "create_appointment", map[string]any{"title": " ", "starts_at": "soon"}, true)
	if p["code"] != "validation_failed" || !strings.Contains(text, "title") || !strings.Contains(text, "starts_at") || !strings.Contains(text, "ends_at") {
		t.Fatalf("validation: %v %q", p, text)
	}
	if p, _ := call(t, w, "create_contact", map[string]any{"name": "A", "admin": true}, true); p["code"] != "invalid_request" {
		t.Fatalf("unknown argument: %v", p)
	}
	if p, text := call(t, r, "get_availability", map[string]any{"from": "2030-04-01T00:00:00Z", "to": "2030-06-01T00:00:00Z"}, true); p["code"] != "invalid_request" || !strings.Contains(text, "to") {
		t.Fatalf("availability over 31 days: %v", p)
	}
	if p, _ := call(t, r, "get_contact", map[string]any{"id": "ct_nope"}, true); p["code"] != "not_found" {
		t.Fatalf("unknown id: %v", p)
	}

	// A read key calling a write tool: a tool error, nothing changed.
	for _, tool := range mcpWriteTools {
		args := map[string]any{"id": contact, "name": "Mallory", "title": "x", "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-01T01:00:00Z"}
		p, text := call(t, r, tool, args, true)
		if p["code"] != "insufficient_permission" || !strings.Contains(text, "insufficient_permission") {
			t.Fatalf("%s with a read key: %v %q", tool, p, text)
		}
	}
	if got, _ := call(t, r, "get_contact", map[string]any{"id": contact}, false); got["name"] != "Ada" {
		t.Fatalf("a refused write changed the contact: %v", got)
	}
	if page, _ := call(t, r, "list_contacts", nil, false); len(page["data"].([]any)) != 1 {
		t.Fatalf("a refused create wrote: %v", page)
	}

	// Another organization's key sees none of acme's data.
	o := mcpConnect(t, srv.url, other)
	if page, _ := call(t, o, "list_contacts", nil, false); len(page["data"].([]any)) != 0 {
		t.Fatalf("rival lists acme's contacts: %v", page)
	}
	for _, tc := range [][2]string{{"get_contact", contact}, {"get_appointment", appt}, {"get_team_member", member},
		{"update_contact", contact}, {"delete_contact", contact}, {"delete_team_member", member}} {
		if p, _ := call(t, o, tc[0], map[string]any{"id": tc[1]}, true); p["code"] != "not_found" {
			t.Fatalf("rival's %s of acme's record: %v", tc[0], p)
		}
	}
	if _, text := call(t, o, "create_appointment", map[string]any{"title": "T", "starts_at": "2030-01-01T00:00:00Z",
		"ends_at": "2030-01-01T01:00:00Z", "contact_id": contact}, true); !strings.Contains(text, "contact_id") {
		t.Fatalf("rival's appointment with acme's contact: %q", text)
	}

	// A session cannot be continued with another key, even of the same
	// organization: the session id is refused as unknown.
	for _, key := range []string{read, other} {
		res := rawMCP(t, srv.url, key, w.ID(), `{"jsonrpc":"2.0","id":99,"method":"tools/list"}`)
		if res.status != 404 || res.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("write key's session with another key: %d %s", res.status, res.body)
		}
	}
	res := rawMCP(t, srv.url, write, w.ID(), `{"jsonrpc":"2.0","id":99,"method":"tools/list"}`)
	if res.status != 200 {
		t.Fatalf("the session with its own key: %d %s", res.status, res.body)
	}
	// The SDK's own header (no-cache) would let a client's cache keep an
	// organization's data.
	if got := res.header.Get("Cache-Control"); got != "no-store, no-transform" {
		t.Fatalf("Cache-Control of an MCP answer: %q, want no-store", got)
	}

	// Deletes, then a key revoked mid-session is refused at its next
	// request: 401 with the RFC 6750 challenge.
	for _, tc := range [][2]string{{"delete_appointment", appt}, {"delete_contact", contact}, {"delete_team_member", member}} {
		call(t, w, tc[0], map[string]any{"id": tc[1]}, false)
	}
	runBinary(t, bin, "keys", "revoke", "-org", "acme", write[:15], "-db", db)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := rawMCP(t, srv.url, write, w.ID(), `{"jsonrpc":"2.0","id":100,"method":"tools/list"}`)
		if res.status == 401 {
			if h := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(h, `Bearer `) || !strings.Contains(h, `error="invalid_token"`) {
				t.Fatalf("401 with WWW-Authenticate %q", h)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the revoked key's session still answers %d after 10s", res.status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := w.CallTool(t.Context(), &mcp.CallToolParams{Name: "list_contacts"}); err == nil {
		t.Fatal("the SDK client's call with a revoked key succeeded")
	}
	if res := rawMCP(t, srv.url, "", "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`); res.status != 401 {
		t.Fatalf("no key: %d", res.status)
	}
}

// rawMCP posts one JSON-RPC message to /mcp with key (none if "") and
// session id.
func rawMCP(t *testing.T, url, key, session, msg string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", url+"/mcp", strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-06-18")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}
