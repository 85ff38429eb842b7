package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestManagementContract runs the management API's contract against the
// built binary on every database: HTTP Basic and the session cookie, the
// shapes of keys and events, pagination, create, get, rotate (the old key
// then announces Deprecation and Sunset), revoke, the audit trail with
// the actors of the API and the CLI, and the refusals.
func TestManagementContract(t *testing.T) {
	bin := builtBinary(t)
	forEachDB(t, func(t *testing.T, db string) { testManagementContract(t, bin, db) })
}

const contractPassword = "correct horse battery"

type adminClient struct {
	t    *testing.T
	base string
	c    *http.Client
	auth func(*http.Request)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("status %d, body not a JSON object: %v: %s", a.status, err, a.body)
	}
	return m
}

func (ac adminClient) do(method, path, body string) answer {
	ac.t.Helper()
	req, err := http.NewRequest(method, ac.base+path, strings.NewReader(body))
	if err != nil {
		ac.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if ac.auth != nil {
		ac.auth(req)
	}
	res, err := ac.c.Do(req)
	if err != nil {
		ac.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		ac.t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header, b}
}

func (ac adminClient) must(want int, method, path, body string) map[string]any {
	ac.t.Helper()
	a := ac.do(method, path, body)
	if a.status != want {
		ac.t.Fatalf("%s %s: %d, want %d: %s", method, path, a.status, want, a.body)
	}
	if a.header.Get("Cache-Control") != "no-store" {
		ac.t.Errorf("%s %s: Cache-Control %q, want no-store", method, path, a.header.Get("Cache-Control"))
	}
	return a.object(ac.t)
}

func testManagementContract(t *testing.T, bin, db string) {
	srv := startServer(t, bin, db, nil, "-admin-password", contractPassword)
	const org = "/admin/v1/organizations/acme"
	basic := adminClient{t: t, base: srv.url, c: &http.Client{Timeout: 10 * time.Second},
		auth: func(r *http.Request) { r.SetBasicAuth("admin", contractPassword) }}

	// Create: 201, the key object plus the key text, once.
	created := basic.must(201, "POST", org+"/api-keys", `{"name":"CRM Sync","permission":"read","expires_at":"2030-01-01T00:00:00Z"}`)
	oldKey, _ := created["key"].(string)
	if !keyText.MatchString(oldKey) {
		t.Fatalf("create answered key %q", oldKey)
	}
	id := created["id"].(string)
	checkKeyObject(t, created, true)
	if by, _ := created["created_by"].(map[string]any); by["id"] != "admin" {
		t.Errorf("created_by %v, want the admin", created["created_by"])
	}
	if got := statusWithKey(t, srv.url+"/v1/organizations/acme/contacts", oldKey); got != 200 {
		t.Fatalf("the created key against the data API: %d", got)
	}

	// Get and list: no key text anywhere.
	got := basic.must(200, "GET", org+"/api-keys/"+id, "")
	checkKeyObject(t, got, false)
	for range 2 {
		basic.must(201, "POST", org+"/api-keys", `{"name":"more","permission":"write"}`)
	}
	page := basic.must(200, "GET", org+"/api-keys?limit=2", "")
	data := page["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["id"] != id {
		t.Fatalf("first page: %v", page)
	}
	next, _ := page["next_cursor"].(string)
	rest := basic.must(200, "GET", org+"/api-keys?limit=2&cursor="+url.QueryEscape(next), "")
	if len(rest["data"].([]any)) != 1 || rest["next_cursor"] != nil {
		t.Fatalf("second page: %v", rest)
	}
	for _, k := range append(data, rest["data"].([]any)...) {
		checkKeyObject(t, k.(map[string]any), false)
	}

	// The CLI's change is in the same trail.
	run := exec.Command(bin, "keys", "create", "-org", "acme", "-name", "from cli", "-permission", "read", "-db", db)
	run.Env = cleanEnv()
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("keys create: %v: %s", err, out)
	}

	// Rotate with a grace: the old key answers with Deprecation and Sunset.
	rotated := basic.must(201, "POST", org+"/api-keys/"+id+"/rotate", `{"grace":"1h"}`)
	checkKeyObject(t, rotated, true)
	if rotated["id"] == id || rotated["name"] != "CRM Sync" {
		t.Errorf("rotate answered %v", rotated)
	}
	res := getWithKey(t, oldKey, srv.url+"/v1/organizations/acme/contacts")
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Deprecation"), "@") || res.header.Get("Sunset") == "" {
		t.Errorf("the old key after rotation: %d, Deprecation %q, Sunset %q", res.status, res.header.Get("Deprecation"), res.header.Get("Sunset"))
	}
	if a := basic.do("POST", org+"/api-keys/"+id+"/rotate", ""); a.status != 409 {
		t.Errorf("a second rotation: %d, want 409: %s", a.status, a.body)
	}

	// Revoke: 200 with the key object, and the key is refused.
	revoked := basic.must(200, "POST", org+"/api-keys/"+rotated["id"].(string)+"/revoke", "")
	if revoked["revoked_at"] == nil {
		t.Errorf("revoke answered %v", revoked)
	}
	if got := statusWithKey(t, srv.url+"/v1/organizations/acme/contacts", rotated["key"].(string)); got != 401 {
		t.Errorf("the revoked key: %d, want 401", got)
	}

	// The audit trail, newest first, with the actors.
	events := basic.must(200, "GET", org+"/audit-events", "")
	var seen []string
	for _, ev := range events["data"].([]any) {
		m := ev.(map[string]any)
		actor := m["actor"].(map[string]any)
		seen = append(seen, m["action"].(string)+" by "+actor["id"].(string))
		for _, f := range []string{"id", "at", "action", "key_id", "actor"} {
			if _, ok := m[f]; !ok {
				t.Errorf("event without %q: %v", f, m)
			}
		}
	}
	want := []string{"key.revoked by admin", "key.rotated by admin", "key.created by cli", "key.created by admin", "key.created by admin", "key.created by admin"}
	if strings.Join(seen, ", ") != strings.Join(want, ", ") {
		t.Errorf("audit events:\n got %v\nwant %v", seen, want)
	}

	// The session cookie of the sign-in form works too.
	jar, _ := cookiejar.New(nil)
	session := adminClient{t: t, base: srv.url, c: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	form, _ := http.NewRequest("POST", srv.url+"/developer/login", strings.NewReader(url.Values{"password": {contractPassword}}.Encode()))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := session.c.Do(form); err != nil || res.StatusCode != 303 {
		t.Fatalf("sign-in: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	session.must(200, "GET", "/admin/v1/organizations/other/api-keys", "")

	// Refusals.
	anon := adminClient{t: t, base: srv.url, c: &http.Client{Timeout: 10 * time.Second}}
	if a := anon.do("GET", org+"/api-keys", ""); a.status != 401 || a.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("no credentials: %d %q", a.status, a.header.Get("Content-Type"))
	}
	wrong := adminClient{t: t, base: srv.url, c: anon.c, auth: func(r *http.Request) { r.SetBasicAuth("admin", "not the password") }}
	if a := wrong.do("GET", org+"/api-keys", ""); a.status != 401 {
		t.Errorf("wrong password: %d", a.status)
	}
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", org + "/api-keys", `{"name":"","permission":"read"}`, 422, "validation_failed"},
		{"POST", org + "/api-keys", `{"name":"x","permission":"read","extra":1}`, 400, "invalid_request"},
		{"GET", org + "/api-keys?limit=101", "", 400, "invalid_request"},
		{"GET", org + "/api-keys?cursor=forged", "", 400, "invalid_request"},
		{"GET", org + "/api-keys/AAAAAAAAAAAA", "", 404, "not_found"},
		{"GET", "/admin/v1/organizations/globex/api-keys/" + id, "", 404, "not_found"},
	} {
		a := basic.do(tc.method, tc.path, tc.body)
		if m := a.object(t); a.status != tc.status || m["code"] != tc.code {
			t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, a.status, m["code"], tc.status, tc.code)
		}
	}
	// A cross-site form post is refused even with the session.
	req, _ := http.NewRequest("POST", srv.url+org+"/api-keys", strings.NewReader(`{"name":"x","permission":"read"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, err := session.c.Do(req); err != nil || res.StatusCode != 403 {
		t.Errorf("cross-site POST: %v %v", res, err)
	} else {
		res.Body.Close()
	}
}

func checkKeyObject(t *testing.T, k map[string]any, withKey bool) {
	t.Helper()
	for _, f := range []string{"id", "prefix", "name", "permission", "created_at", "expires_at", "last_used_at", "revoked_at", "created_by"} {
		if _, ok := k[f]; !ok {
			t.Errorf("key object without %q: %v", f, k)
		}
	}
	if _, ok := k["key"]; ok != withKey {
		t.Errorf("key object %v: has the key text %v, want %v", k["id"], ok, withKey)
	}
}

func statusWithKey(t *testing.T, u, key string) int {
	t.Helper()
	return getWithKey(t, key, u).status
}
