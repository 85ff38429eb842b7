package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP server at /mcp (Streamable HTTP) offers the API as tools. The
// keyauth middleware authenticates every HTTP request of a session, so a
// revoked key is refused at its next request; the organization and
// permission are the key's. A session belongs to the key that opened it:
// its id starts with that key's id, and a request of another key naming it
// is answered as for an unknown session.

// mcpSessionTimeout closes sessions that stay idle this long.
const mcpSessionTimeout = 30 * time.Minute

// newMCPHandler returns the /mcp handler; auth is the keyauth middleware
// configured without organization binding, for read permission.
func (s *server) newMCPHandler(auth func(http.Handler) http.Handler) http.Handler {
	// The SDK asks for a server on every request, but uses the one it is
	// given only to open a session; for the other requests it reads the
	// protocol versions, which every server here shares.
	shared := mcp.NewServer(&mcp.Implementation{Name: "driive", Version: "1.0.0"}, nil)
	h := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		p, ok := apikey.FromContext(r.Context())
		switch {
		case !ok:
			return nil
		case r.Header.Get("Mcp-Session-Id") != "":
			return shared
		}
		return s.mcpServer(p)
	}, &mcp.StreamableHTTPOptions{SessionTimeout: mcpSessionTimeout, Logger: s.log})
	return auth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := apikey.FromContext(r.Context())
		if !ok {
			notFound(w)
			return
		}
		noteKey(r.Context(), p.KeyID)
		w.Header().Set("Cache-Control", "no-store")
		if id := r.Header.Get("Mcp-Session-Id"); id != "" && !strings.HasPrefix(id, p.KeyID+".") {
			writeProblem(w, http.StatusNotFound, codeNotFound, "no such MCP session for this key")
			return
		}
		if r.Method == http.MethodGet {
			// The server's write timeout is for answers; a GET here is the
			// session's stream of server messages, open while the session
			// lives. Its key is verified; it still ends with the session's
			// idle time.
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(mcpSessionTimeout))
		}
		h.ServeHTTP(&noStoreWriter{ResponseWriter: w}, r)
	}))
}

// noStoreWriter keeps an answer of /mcp at Cache-Control: no-store, as
// every other answer about an organization's data: the MCP SDK sets
// "no-cache, no-transform" on its answers and streams, which lets a
// client's cache keep them.
type noStoreWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *noStoreWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set("Cache-Control", "no-store, no-transform")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *noStoreWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends the headers of a stream the SDK opens before its first
// event.
func (w *noStoreWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the server's writer, for its
// deadlines.
func (w *noStoreWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// mcpServer returns the MCP server of one session of principal p: every
// tool acts on p's organization; a read key lists only the tools that
// read, and the others refuse it.
func (s *server) mcpServer(p apikey.Principal) *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: "driive", Version: "1.0.0"}, &mcp.ServerOptions{
		GetSessionID: func() string { return p.KeyID + "." + rand.Text() },
	})
	t := &mcpTools{s: s, p: p, srv: srv}
	addResourceTools(t, contacts)
	addResourceTools(t, appointments)
	addResourceTools(t, teamMembers)
	t.add("get_availability", "Free slots of at least duration (default 30m) between from and to (at most 31 days apart), of one team member or of every member, ordered by start.",
		objectSchema(map[string]any{
			"team_member_id": stringProp("a team member's id; omit for every member"),
			"from":           stringProp("RFC 3339 time"),
			"to":             stringProp("RFC 3339 time, at most 31 days after from"),
			"duration":       stringProp("minimum slot length, a Go duration like 30m or 1h30m"),
		}, "from", "to"), false,
		func(ctx context.Context, args json.RawMessage) (any, error) {
			params, err := stringArgs(args)
			if err != nil {
				return nil, err
			}
			q, err := parseAvailability(params)
			if err != nil {
				return nil, err
			}
			slots, err := availability(ctx, s.db, p.OrgID, q)
			return map[string]any{"data": slots}, err
		})
	if p.Permission != apikey.Write {
		srv.AddReceivingMiddleware(onlyReadTools)
	}
	return srv
}

// onlyReadTools leaves out of tools/list the tools a read key may not call.
func onlyReadTools(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		res, err := next(ctx, method, req)
		if list, ok := res.(*mcp.ListToolsResult); ok && err == nil {
			kept := list.Tools[:0:0]
			for _, t := range list.Tools {
				if isReadTool(t.Name) {
					kept = append(kept, t)
				}
			}
			list.Tools = kept
		}
		return res, err
	}
}

func isReadTool(name string) bool {
	return strings.HasPrefix(name, "list_") || strings.HasPrefix(name, "get_")
}

// mcpTools adds the tools of one session.
type mcpTools struct {
	s   *server
	p   apikey.Principal
	srv *mcp.Server
}

// add registers a tool whose run returns the structured result or an
// error that becomes a tool error (the REST API's problem). write: the tool
// changes data and refuses a read key.
func (t *mcpTools) add(name, doc string, schema map[string]any, write bool, run func(context.Context, json.RawMessage) (any, error)) {
	t.srv.AddTool(&mcp.Tool{Name: name, Description: doc, InputSchema: schema}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if write && t.p.Permission != apikey.Write {
			return toolProblem(problem{Status: http.StatusForbidden, Code: "insufficient_permission",
				Detail: name + " needs a write key; this key has read permission"}), nil
		}
		args := req.Params.Arguments
		if len(args) == 0 || string(args) == "null" {
			args = json.RawMessage(`{}`)
		}
		v, err := run(ctx, args)
		if err != nil {
			p, ok := problemFor(err)
			if !ok {
				t.s.log.Error("driive: mcp tool "+name, "key_id", t.p.KeyID, "error", err)
				p = problem{Status: http.StatusInternalServerError, Code: codeInternal, Detail: "the server could not complete the request"}
			}
			return toolProblem(p), nil
		}
		text, _ := json.Marshal(v) // views of plain values: cannot fail
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}, StructuredContent: v}, nil
	})
}

// toolProblem is a tool error carrying the problem the REST API would
// answer: its code and fields are in the text, for a model to read, and
// in the structured result.
func toolProblem(p problem) *mcp.CallToolResult {
	p.Type, p.Title = "about:blank", http.StatusText(p.Status)
	text := p.Code + ": " + p.Detail
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: text}}, StructuredContent: p}
}

// addResourceTools adds list_, get_, create_, update_ and delete_ tools
// for res, built from its fields like the REST routes.
func addResourceTools[T any](t *mcpTools, res *resource[T]) {
	s, org := t.s, t.p.OrgID
	plural := strings.ReplaceAll(res.path, "-", "_")
	idArg := map[string]any{"id": stringProp("the " + res.one + "'s id")}
	t.add("list_"+plural, "List the organization's "+plural+", oldest first, a page at a time.",
		objectSchema(map[string]any{
			"limit":  map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "description": "page size, default 50"},
			"cursor": stringProp("next_cursor of the previous page"),
		}), false,
		func(ctx context.Context, args json.RawMessage) (any, error) {
			p, err := pageArgs(args, s.cursors, res.path, org)
			if err != nil {
				return nil, err
			}
			return res.list(ctx, s.db, s.cursors, org, p)
		})
	t.add("get_"+res.one, "Get one "+res.one+" by id.", objectSchema(idArg, "id"), false,
		func(ctx context.Context, args json.RawMessage) (any, error) {
			id, _, err := idAndBody(args, nil)
			if err != nil {
				return nil, err
			}
			v, err := res.get(ctx, s.db, org, id)
			return res.view(v), err
		})
	t.add("create_"+res.one, "Create a "+res.one+".", fieldSchema(res.fields, nil, true), true,
		func(ctx context.Context, args json.RawMessage) (any, error) {
			b, err := decodeBody(args, res.fields)
			if err != nil {
				return nil, err
			}
			v, err := res.create(ctx, s.db, org, b, s.now())
			return res.view(v), err
		})
	t.add("update_"+res.one, "Change a "+res.one+": members given are set, null clears an optional one, others stay.",
		fieldSchema(res.fields, idArg, false), true,
		func(ctx context.Context, args json.RawMessage) (any, error) {
			id, b, err := idAndBody(args, res.fields)
			if err != nil {
				return nil, err
			}
			v, err := res.patch(ctx, s.db, org, id, b, s.now())
			return res.view(v), err
		})
	t.add("delete_"+res.one, "Delete a "+res.one+".", objectSchema(idArg, "id"), true,
		func(ctx context.Context, args json.RawMessage) (any, error) {
			id, _, err := idAndBody(args, nil)
			if err != nil {
				return nil, err
			}
			return map[string]any{"deleted": id}, res.remove(ctx, s.db, org, id, s.now())
		})
}

// idAndBody reads the required id and, with fields, the other members
// as a body.
func idAndBody(args json.RawMessage, fields []field) (string, body, error) {
	b, err := decodeBody(args, append([]field{{name: "id"}}, fields...))
	if err != nil {
		return "", nil, err
	}
	id := b["id"]
	if !id.present || id.null || id.value == "" {
		return "", nil, &invalidError{[]fieldError{{"id", "is required"}}}
	}
	delete(b, "id")
	return id.value, b, nil
}

// pageArgs reads the limit and cursor of a list tool.
func pageArgs(args json.RawMessage, c cursors, list, org string) (page, error) {
	obj, err := decodeObject(args, "the arguments")
	if err != nil {
		return page{}, err
	}
	q := map[string][]string{}
	for name, v := range obj {
		switch name {
		case "limit":
			var n json.Number
			if json.Unmarshal(v, &n) != nil {
				return page{}, &requestError{msg: "limit must be an integer from 1 to 100"}
			}
			q[name] = []string{n.String()}
		case "cursor":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return page{}, &requestError{msg: "cursor must be a string"}
			}
			q[name] = []string{s}
		default:
			return page{}, &requestError{msg: "unknown argument " + quoteShort(name)}
		}
	}
	return c.page(q, list, org)
}

// stringArgs reads arguments that are all strings.
func stringArgs(args json.RawMessage) (map[string]string, error) {
	obj, err := decodeObject(args, "the arguments")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(obj))
	for name, v := range obj {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil, &requestError{msg: quoteShort(name) + " must be a string"}
		}
		out[name] = s
	}
	return out, nil
}

func stringProp(doc string) map[string]any {
	return map[string]any{"type": "string", "description": doc}
}

func objectSchema(props map[string]any, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fieldSchema is the input schema of a body of fields (the writable
// ones), plus extra; creating: the fields' required ones are required.
func fieldSchema(fields []field, extra map[string]any, creating bool) map[string]any {
	props := map[string]any{}
	var required []string
	for name, v := range extra {
		props[name] = v
		required = append(required, name)
	}
	for _, f := range fields {
		if f.readOnly {
			continue
		}
		prop := map[string]any{"type": []string{"string", "null"}, "description": f.doc}
		if f.kind == kindList {
			itemProps := map[string]any{}
			for _, it := range f.items {
				itemProps[it] = map[string]any{"type": "string"}
			}
			prop = map[string]any{"type": []string{"array", "null"}, "description": f.doc,
				"items": objectSchema(itemProps, f.items...)}
		}
		props[f.name] = prop
		if creating && f.required {
			required = append(required, f.name)
		}
	}
	return objectSchema(props, required...)
}
