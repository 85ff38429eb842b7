package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// TestCheckContract walks every row of docs/http-contract.md's table through
// Middleware.Check, without any HTTP: the Refusal's status, code,
// challenge, Retry-After and body, and the principal of a pass.
func TestCheckContract(t *testing.T) {
	const (
		bare   = `Bearer realm="api"`
		badreq = `Bearer error="invalid_request"`
		token  = `Bearer error="invalid_token"`
		scope  = `Bearer error="insufficient_scope", scope="write"`
	)
	// call is one Check: the Authorization values, the bound org and the
	// permission needed.
	type call struct {
		authz []string
		org   string
		need  apikey.Permission
	}
	type row struct {
		status    int
		challenge string
		code      string
		// setup prepares the env and returns the call.
		setup func(t *testing.T, e *env) call
		auth  middleware.Authenticator // replaces the Service when set
	}
	get := func(authz ...string) func(*testing.T, *env) call {
		return func(*testing.T, *env) call { return call{authz, "acme", apikey.Read} }
	}
	with := func(key func(e *env) string, org string, need apikey.Permission) func(*testing.T, *env) call {
		return func(_ *testing.T, e *env) call { return call{[]string{"Bearer " + key(e)}, org, need} }
	}
	write := func(e *env) string { return e.write }
	failing := func(err error) middleware.Authenticator {
		return authFunc(func(context.Context, string) (apikey.Principal, error) { return apikey.Principal{}, err })
	}
	tests := map[string]row{
		"no Authorization header": {401, bare, "missing_api_key", get(), nil},
		"another scheme":          {401, bare, "missing_api_key", get("Basic dXNlcjpwYXNzd29yZA=="), nil},
		"two Authorization headers": {400, badreq, "invalid_request", func(_ *testing.T, e *env) call {
			return call{[]string{"Bearer " + e.write, "Bearer " + e.write}, "acme", apikey.Read}
		}, nil},
		"empty token":     {400, badreq, "invalid_request", get("Bearer    "), nil},
		"bare Bearer":     {400, badreq, "invalid_request", get("Bearer"), nil},
		"bad syntax":      {400, badreq, "invalid_request", get("Bearer dk_abc def"), nil},
		"malformed token": {401, token, "invalid_api_key", get("Bearer not-a-key"), nil},
		"bad checksum":    {401, token, "invalid_api_key", with(func(e *env) string { return badChecksum(e.write) }, "acme", apikey.Read), nil},
		"unknown key":     {401, token, "invalid_api_key", get("Bearer " + unknownID()), nil},
		"wrong secret":    {401, token, "invalid_api_key", with(func(e *env) string { return wrongSecret(e.write) }, "acme", apikey.Read), nil},
		"right secret, key expired": {401, token, "api_key_expired", func(t *testing.T, e *env) call {
			_, k := e.create(t, "acme", apikey.Write, e.clock.Now().Add(time.Hour))
			e.clock.Advance(time.Hour)
			return call{[]string{"Bearer " + k}, "acme", apikey.Read}
		}, nil},
		"right secret, key revoked": {401, token, "api_key_revoked", func(t *testing.T, e *env) call {
			if _, err := e.svc.Revoke(context.Background(), "acme", e.writeKey.ID); err != nil {
				t.Fatal(err)
			}
			return call{[]string{"Bearer " + e.write}, "acme", apikey.Read}
		}, nil},
		"read key, write needed":      {403, scope, "insufficient_permission", with(func(e *env) string { return e.read }, "acme", apikey.Write), nil},
		"key of another organization": {404, "", "not_found", with(func(e *env) string { return e.other }, "acme", apikey.Read), nil},
		"empty organization":          {404, "", "not_found", with(write, "", apikey.Read), nil},
		"store down": {503, "", "auth_unavailable", func(_ *testing.T, e *env) call {
			e.store.set(func(s *countingStore) { s.getErr = errors.New("connection refused") })
			return call{[]string{"Bearer " + e.write}, "acme", apikey.Read}
		}, nil},
		"too many hashes waiting": {503, "", "auth_unavailable", get("Bearer " + unknownID()),
			failing(fmt.Errorf("%w: too many keys waiting to be hashed", apikey.ErrUnavailable))},
		"stored hash corrupt": {500, "", "internal_error", func(_ *testing.T, e *env) call {
			e.store.set(func(s *countingStore) {
				s.hashes[e.writeKey.ID] = "$argon2id$v=19$m=8192,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"
			})
			return call{[]string{"Bearer " + e.write}, "acme", apikey.Read}
		}, nil},
		"stored hash corrupt (Authenticator error)": {500, "", "internal_error", get("Bearer " + unknownID()),
			failing(fmt.Errorf("key abc: %w", apikey.ErrCorruptHash))},
		"permission neither read nor write": {500, "", "internal_error", with(write, "acme", apikey.Permission(9)), nil},
		"valid key, read":                   {200, "", "", with(write, "acme", apikey.Read), nil},
		"valid key, write":                  {200, "", "", with(write, "acme", apikey.Write), nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil, func(c *middleware.Config) {
				if tc.auth != nil {
					c.Authenticator = tc.auth
				}
			})
			c := tc.setup(t, e)
			p, ref := e.mw.Check(context.Background(), c.authz, c.org, c.need)
			if tc.status == 200 {
				if ref != nil {
					t.Fatalf("refused: %+v", ref)
				}
				k := e.writeKey
				want := apikey.Principal{KeyID: k.ID, OrgID: k.OrgID, Permission: k.Permission, Name: k.Name, Prefix: k.Prefix}
				if d := cmp.Diff(want, p); d != "" {
					t.Errorf("principal differs (-want +got):\n%s", d)
				}
				return
			}
			if ref == nil {
				t.Fatalf("let through as %+v, want %d %s", p, tc.status, tc.code)
			}
			if p != (apikey.Principal{}) {
				t.Errorf("a refusal came with principal %+v", p)
			}
			checkRefusal(t, ref, tc.status, tc.code, tc.challenge, e.read, e.write, e.other)
		})
	}
}

// checkRefusal asserts a Refusal's fields and that its body is the
// contract's problem with the same status and code.
func checkRefusal(t *testing.T, ref *middleware.Refusal, status int, code, challenge string, tokens ...string) {
	t.Helper()
	type facts struct {
		Status          int
		Code, Challenge string
		RetryAfter      time.Duration // the default 2s on a 503, else 0
	}
	want := facts{status, code, challenge, 0}
	if status == 503 {
		want.RetryAfter = 2 * time.Second
	}
	if d := cmp.Diff(want, facts{ref.Status, ref.Code, ref.Challenge, ref.RetryAfter}); d != "" {
		t.Errorf("refusal differs (-want +got):\n%s", d)
	}
	var body problemBody
	dec := json.NewDecoder(strings.NewReader(string(ref.Body())))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("body %q: %v", ref.Body(), err)
	}
	wantBody := problemBody{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: ref.Detail, Code: code}
	if d := cmp.Diff(wantBody, body); d != "" || body.Detail == "" {
		t.Errorf("body differs from the refusal (-want +got), or has no detail:\n%s", d)
	}
	for _, tok := range tokens {
		if ref.Err != nil && len(tok) >= 8 && strings.Contains(ref.Err.Error(), tok) {
			t.Errorf("the refusal's error holds a presented key")
		}
	}
}

// TestCheckFacts: a Refusal tells the key id of a well-formed key, the
// principal once the secret is proven, and the cause of a failure to check.
func TestCheckFacts(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx := context.Background()

	_, ref := e.mw.Check(ctx, []string{"Bearer " + e.other}, "acme", apikey.Read)
	if ref == nil || ref.KeyID == "" || ref.Principal.OrgID != "globex" || ref.Err != nil {
		t.Errorf("another org: %+v", ref)
	}
	_, ref = e.mw.Check(ctx, []string{"Bearer " + wrongSecret(e.write)}, "acme", apikey.Read)
	if ref == nil || ref.KeyID != e.writeKey.ID || ref.Principal != (apikey.Principal{}) || !errors.Is(ref.Err, apikey.ErrInvalidKey) {
		t.Errorf("wrong secret: %+v", ref)
	}
	_, ref = e.mw.Check(ctx, []string{"Bearer not-a-key"}, "acme", apikey.Read)
	if ref == nil || ref.KeyID != "" {
		t.Errorf("malformed token: %+v", ref)
	}
	e.store.set(func(s *countingStore) { s.getErr = fmt.Errorf("dial: %s refused", e.write) })
	e.clock.Advance(time.Second) // what the wrong secret's request read is kept for a second
	_, ref = e.mw.Check(ctx, []string{"Bearer " + e.write}, "acme", apikey.Read)
	if ref == nil || !errors.Is(ref.Err, apikey.ErrUnavailable) || strings.Contains(ref.Err.Error(), e.write) ||
		!strings.Contains(ref.Err.Error(), "[REDACTED]") {
		t.Errorf("store down with the key in its error: %+v", ref)
	}
}

// TestCheckAnyOrg: a route bound to no organization takes a key of any,
// and still checks the key and the permission.
func TestCheckAnyOrg(t *testing.T) {
	e := newEnv(t, nil, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		key  string
		need apikey.Permission
		org  string // "" : refused
	}{
		{e.write, apikey.Write, "acme"},
		{e.other, apikey.Write, "globex"},
		{e.read, apikey.Read, "acme"},
		{e.read, apikey.Write, ""},
		{wrongSecret(e.other), apikey.Read, ""},
	} {
		p, ref := e.mw.CheckAnyOrg(ctx, []string{"Bearer " + tc.key}, tc.need)
		switch {
		case tc.org != "" && (ref != nil || p.OrgID != tc.org):
			t.Errorf("need %v: %+v, %+v; want a pass in %s", tc.need, p, ref, tc.org)
		case tc.org == "" && ref == nil:
			t.Errorf("need %v: let through as %+v", tc.need, p)
		}
	}
}

// TestRefusalWrite: Refusal.Write answers exactly as the middleware does.
func TestRefusalWrite(t *testing.T) {
	e := newEnv(t, nil, nil)
	for name, authz := range map[string][]string{
		"missing":  nil,
		"invalid":  {"Bearer " + unknownID()},
		"read key": {"Bearer " + e.read},
		"other":    {"Bearer " + e.other},
	} {
		t.Run(name, func(t *testing.T) {
			want := serve(e.mux, request("POST", "/v1/organizations/acme/whoami", authz...))
			_, ref := e.mw.Check(context.Background(), authz, "acme", apikey.Write)
			if ref == nil {
				t.Fatal("let through")
			}
			got := &discardRecorder{h: http.Header{}}
			ref.Write(got)
			if got.code != want.Code || got.body.String() != want.Body.String() ||
				fmt.Sprint(got.h) != fmt.Sprint(want.Header()) {
				t.Errorf("Write: %d %v %s\nmiddleware: %d %v %s", got.code, got.h, &got.body, want.Code, want.Header(), want.Body)
			}
		})
	}
	e.store.set(func(s *countingStore) { s.getErr = errors.New("down") })
	_, ref := e.mw.Check(context.Background(), []string{"Bearer " + e.write}, "acme", apikey.Read)
	got := &discardRecorder{h: http.Header{}}
	ref.Write(got)
	if got.code != 503 || got.h.Get("Retry-After") != "2" {
		t.Errorf("503: %d %v", got.code, got.h)
	}
}

type discardRecorder struct {
	h    http.Header
	code int
	body strings.Builder
}

func (w *discardRecorder) Header() http.Header         { return w.h }
func (w *discardRecorder) Write(p []byte) (int, error) { return w.body.Write(p) }
func (w *discardRecorder) WriteHeader(code int)        { w.code = code }

// TestRenderRefusal: a team's envelope replaces the body; the status and
// the contract's headers stay; a panicking renderer gets the standard body.
func TestRenderRefusal(t *testing.T) {
	envelope := func(_ *http.Request, ref *middleware.Refusal) (string, []byte) {
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": ref.Code, "message": ref.Detail}})
		return "application/json", b
	}
	e := newEnv(t, nil, func(c *middleware.Config) { c.RenderRefusal = envelope })
	rec := serve(e.mux, request("POST", "/v1/organizations/acme/whoami", "Bearer "+e.read))
	if rec.Code != 403 || rec.Header().Get("WWW-Authenticate") != `Bearer error="insufficient_scope", scope="write"` ||
		rec.Header().Get("Content-Type") != "application/json" || rec.Header().Get("Cache-Control") != "no-store" ||
		!strings.Contains(rec.Body.String(), `"code":"insufficient_permission"`) {
		t.Errorf("403: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	rec = serve(e.mux, request("GET", "/v1/organizations/acme/whoami"))
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="api"` ||
		!strings.Contains(rec.Body.String(), `"code":"missing_api_key"`) {
		t.Errorf("401: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	checkAnswer(t, serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.read)), 200, "")

	e = newEnv(t, nil, func(c *middleware.Config) {
		c.RenderRefusal = func(*http.Request, *middleware.Refusal) (string, []byte) { panic("render bug") }
	})
	checkAnswer(t, serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.other)), 404, "not_found")
	if !strings.Contains(logs.String(), "RenderRefusal hook panicked") {
		t.Error("the renderer's panic was not logged")
	}
}

// TestSchemaOutdated: a store that needs migrating is answered 500
// internal_error, not 503, and logged at Error once, not per request.
func TestSchemaOutdated(t *testing.T) {
	marker := fmt.Sprintf("schema-marker-%d", time.Now().UnixNano()) // this run's lines only
	outdated := authFunc(func(context.Context, string) (apikey.Principal, error) {
		return apikey.Principal{}, fmt.Errorf("%s: run Migrate: %w", marker, apikey.ErrSchemaOutdated)
	})
	e := newEnv(t, nil, func(c *middleware.Config) { c.Authenticator = outdated })
	for range 3 {
		rec := serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.write))
		checkAnswer(t, rec, 500, "internal_error", e.write)
		if rec.Header().Get("Retry-After") != "" {
			t.Error("Retry-After on an outdated schema")
		}
	}
	_, ref := e.mw.Check(context.Background(), []string{"Bearer " + e.write}, "acme", apikey.Read)
	if ref == nil || ref.Status != 500 || ref.Code != "internal_error" || !errors.Is(ref.Err, apikey.ErrSchemaOutdated) {
		t.Errorf("Check: %+v", ref)
	}
	var errorsLogged, debugLogged int
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, marker) {
			switch {
			case strings.Contains(line, "level=ERROR"):
				errorsLogged++
			case strings.Contains(line, "level=DEBUG"):
				debugLogged++
			}
		}
	}
	if errorsLogged != 1 || debugLogged != 3 {
		t.Errorf("logged %d times at Error and %d at Debug, want 1 and 3", errorsLogged, debugLogged)
	}
}

// TestRetryAfterFromService: when the Service says when the key will be
// ready (its argon2id run is queued), Retry-After says that, rounded down
// to whole seconds (a retry that comes early is held until the run ends),
// instead of Config.RetryAfter; a bare ErrUnavailable gets
// Config.RetryAfter.
func TestRetryAfterFromService(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&apikey.UnavailableError{RetryAfter: 7200 * time.Millisecond, Reason: "queued"}, "7"},
		{&apikey.UnavailableError{RetryAfter: 300 * time.Millisecond, Reason: "queued"}, "0"},
		{fmt.Errorf("wrapped: %w", &apikey.UnavailableError{RetryAfter: 3 * time.Second}), "3"},
		{&apikey.UnavailableError{Reason: "no estimate"}, "5"},
		{apikey.ErrUnavailable, "5"},
	} {
		auth := authFunc(func(context.Context, string) (apikey.Principal, error) { return apikey.Principal{}, tc.err })
		e := newEnv(t, nil, func(c *middleware.Config) { c.Authenticator = auth; c.RetryAfter = 5 * time.Second })
		rec := serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.write))
		checkAnswer(t, rec, 503, "auth_unavailable", e.write)
		if got := rec.Header().Get("Retry-After"); got != tc.want {
			t.Errorf("%v: Retry-After %q, want %q", tc.err, got, tc.want)
		}
		_, ref := e.mw.Check(context.Background(), []string{"Bearer " + e.write}, "acme", apikey.Read)
		if ref == nil || ref.RetryAfter.String() != tc.want+"s" {
			t.Errorf("%v: Check's Refusal %+v, want RetryAfter %ss", tc.err, ref, tc.want)
		}
	}
}
