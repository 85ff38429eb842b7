package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// TestContract walks every row of the table in docs/http-contract.md and
// asserts the status, the exact WWW-Authenticate header and the problem
// code.
func TestContract(t *testing.T) {
	const (
		bare   = `Bearer realm="api"`
		badreq = `Bearer error="invalid_request"`
		token  = `Bearer error="invalid_token"`
		scope  = `Bearer error="insufficient_scope", scope="write"`
	)
	type row struct {
		status    int
		challenge string // "" : no WWW-Authenticate header
		code      string
		// req builds the request on a fresh env and may change the env.
		req func(t *testing.T, e *env) *http.Request
		// auth, when set, replaces the Service.
		auth middleware.Authenticator
	}
	orgPath := "/v1/organizations/acme/whoami"
	get := func(auth ...string) func(*testing.T, *env) *http.Request {
		return func(*testing.T, *env) *http.Request { return request("GET", orgPath, auth...) }
	}
	failing := func(err error) middleware.Authenticator {
		return authFunc(func(context.Context, string) (apikey.Principal, error) { return apikey.Principal{}, err })
	}
	tests := map[string]row{
		"no Authorization header": {401, bare, "missing_api_key", get(), nil},
		"another scheme":          {401, bare, "missing_api_key", get("Basic dXNlcjpwYXNzd29yZA=="), nil},
		"two Authorization headers": {400, badreq, "invalid_request", func(_ *testing.T, e *env) *http.Request {
			return request("GET", orgPath, "Bearer "+e.write, "Bearer "+e.write)
		}, nil},
		"empty token":     {400, badreq, "invalid_request", get("Bearer    "), nil},
		"bare Bearer":     {400, badreq, "invalid_request", get("Bearer"), nil},
		"bad syntax":      {400, badreq, "invalid_request", get("Bearer dk_abc def"), nil},
		"malformed token": {401, token, "invalid_api_key", get("Bearer not-a-key"), nil},
		"bad checksum": {401, token, "invalid_api_key", func(_ *testing.T, e *env) *http.Request {
			return request("GET", orgPath, "Bearer "+badChecksum(e.write))
		}, nil},
		"unknown key": {401, token, "invalid_api_key", get("Bearer " + unknownID()), nil},
		"wrong secret": {401, token, "invalid_api_key", func(_ *testing.T, e *env) *http.Request {
			return request("GET", orgPath, "Bearer "+wrongSecret(e.write))
		}, nil},
		"right secret, key expired": {401, token, "api_key_expired", func(t *testing.T, e *env) *http.Request {
			_, k := e.create(t, "acme", apikey.Write, e.clock.Now().Add(time.Hour))
			e.clock.Advance(time.Hour)
			return request("GET", orgPath, "Bearer "+k)
		}, nil},
		"right secret, key revoked": {401, token, "api_key_revoked", func(t *testing.T, e *env) *http.Request {
			if _, err := e.svc.Revoke(context.Background(), "acme", e.writeKey.ID); err != nil {
				t.Fatal(err)
			}
			return request("GET", orgPath, "Bearer "+e.write)
		}, nil},
		"read key on a write method": {403, scope, "insufficient_permission", func(_ *testing.T, e *env) *http.Request {
			return request("POST", orgPath, "Bearer "+e.read)
		}, nil},
		"key of another organization": {404, "", "not_found", func(_ *testing.T, e *env) *http.Request {
			return request("GET", orgPath, "Bearer "+e.other)
		}, nil},
		"store down": {503, "", "auth_unavailable", func(_ *testing.T, e *env) *http.Request {
			e.store.set(func(s *countingStore) { s.getErr = errors.New("connection refused") })
			return request("GET", orgPath, "Bearer "+e.write)
		}, nil},
		"too many hashes waiting": {503, "", "auth_unavailable", get("Bearer " + unknownID()),
			failing(fmt.Errorf("%w: too many keys waiting to be hashed", apikey.ErrUnavailable))},
		"stored hash corrupt": {500, "", "internal_error", func(_ *testing.T, e *env) *http.Request {
			e.store.set(func(s *countingStore) {
				s.hashes[e.writeKey.ID] = "$argon2id$v=19$m=8192,t=0,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"
			})
			return request("GET", orgPath, "Bearer "+e.write)
		}, nil},
		"stored hash corrupt (Authenticator error)": {500, "", "internal_error", get("Bearer " + unknownID()),
			failing(fmt.Errorf("key abc: %w", apikey.ErrCorruptHash))},
		"valid key": {200, "", "", func(_ *testing.T, e *env) *http.Request {
			return request("GET", orgPath, "Bearer "+e.write)
		}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil, func(c *middleware.Config) {
				if tc.auth != nil {
					c.Authenticator = tc.auth
				}
			})
			r := tc.req(t, e)
			rec := serve(e.mux, r)
			checkAnswer(t, rec, tc.status, tc.code, e.read, e.write, e.other)
			if got := rec.Header().Values("WWW-Authenticate"); tc.challenge == "" && len(got) != 0 ||
				tc.challenge != "" && (len(got) != 1 || got[0] != tc.challenge) {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if ra := rec.Header().Get("Retry-After"); (tc.status == 503) != (ra != "") {
				t.Errorf("Retry-After = %q on a %d", ra, tc.status)
			} else if tc.status == 503 && ra != "2" {
				t.Errorf("Retry-After = %q, want the default 2", ra)
			}
		})
	}
}

// TestNotFoundIdentical: a key of another organization gets the same
// answer, byte for byte, whether the path's organization exists or not.
func TestNotFoundIdentical(t *testing.T) {
	e := newEnv(t, nil, nil)
	existing := serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.other))
	missing := serve(e.mux, request("GET", "/v1/organizations/no-such-org/whoami", "Bearer "+e.other))
	checkAnswer(t, existing, 404, "not_found")
	if existing.Body.String() != missing.Body.String() {
		t.Errorf("bodies differ:\n%s\n%s", existing.Body, missing.Body)
	}
	if fmt.Sprint(existing.Header()) != fmt.Sprint(missing.Header()) {
		t.Errorf("headers differ:\n%v\n%v", existing.Header(), missing.Header())
	}
}

// TestCorruptHashLogged: a corrupt stored hash is logged with the key id.
func TestCorruptHashLogged(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.store.set(func(s *countingStore) {
		s.hashes[e.writeKey.ID] = "$argon2id$v=19$m=8192,t=1,p=0$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"
	})
	checkAnswer(t, serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.write)), 500, "internal_error")
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") && strings.Contains(line, "code=internal_error") &&
			strings.Contains(line, "key_id="+e.writeKey.ID) {
			found = true
		}
	}
	if !found {
		t.Errorf("no error log line with key_id=%s", e.writeKey.ID)
	}
}

func TestPrincipalInContext(t *testing.T) {
	e := newEnv(t, nil, nil)
	rec := serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.read))
	checkAnswer(t, rec, 200, "")
	want := fmt.Sprintf(`{"key_id":%q,"org_id":"acme","permission":"read","prefix":%q}`, e.readKey.ID, e.readKey.Prefix)
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("principal = %s, want %s", got, want)
	}
	if _, ok := apikey.FromContext(context.Background()); ok {
		t.Error("FromContext on a bare context reports a principal")
	}
	if p, ok := apikey.FromContext(httptestRequest().Context()); ok || p != (apikey.Principal{}) {
		t.Errorf("FromContext on an unauthenticated request = %+v, %v", p, ok)
	}
}

func httptestRequest() *http.Request { return request("GET", "/") }

// TestWriterNotWrapped: the next handler gets the ResponseWriter the
// server passed in, so http.ResponseController and interface checks keep
// working.
func TestWriterNotWrapped(t *testing.T) {
	e := newEnv(t, nil, nil)
	rec := httptest.NewRecorder()
	var got http.ResponseWriter
	h := e.mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { got = w }))
	r := request("GET", "/", "Bearer "+e.write)
	r.SetPathValue("orgId", "acme")
	h.ServeHTTP(rec, r)
	if got != http.ResponseWriter(rec) {
		t.Errorf("the handler got %T, not the server's writer", got)
	}
}
