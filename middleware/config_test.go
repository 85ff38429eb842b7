package middleware_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

func TestNewValidates(t *testing.T) {
	ok := authFunc(func(context.Context, string) (apikey.Principal, error) {
		return apikey.Principal{}, apikey.ErrInvalidKey
	})
	tests := map[string]struct {
		cfg     middleware.Config
		wantErr string
	}{
		"no Authenticator":         {middleware.Config{}, "Authenticator"},
		"realm with a quote":       {middleware.Config{Authenticator: ok, Realm: `a"b`}, "Realm"},
		"realm with a backslash":   {middleware.Config{Authenticator: ok, Realm: `a\b`}, "Realm"},
		"realm with a newline":     {middleware.Config{Authenticator: ok, Realm: "a\nb"}, "Realm"},
		"realm too long":           {middleware.Config{Authenticator: ok, Realm: strings.Repeat("r", 65)}, "Realm"},
		"negative RetryAfter":      {middleware.Config{Authenticator: ok, RetryAfter: -time.Second}, "RetryAfter"},
		"bad Authenticator prefix": {middleware.Config{Authenticator: prefixed{ok, "Not-A-Prefix"}}, "prefix"},
		"defaults":                 {middleware.Config{Authenticator: ok}, ""},
		"printable realm":          {middleware.Config{Authenticator: ok, Realm: "Driive API v1 (keys)"}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := middleware.New(tc.cfg)
			if tc.wantErr == "" {
				if err != nil || m == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New error = %v, want one naming %s", err, tc.wantErr)
			}
		})
	}
}

type prefixed struct {
	middleware.Authenticator
	prefix string
}

func (p prefixed) Prefix() string { return p.prefix }

// TestConfigCopied: changing the Config after New changes nothing.
func TestConfigCopied(t *testing.T) {
	e := newEnv(t, nil, nil)
	cfg := middleware.Config{Authenticator: e.svc, Realm: "first", RetryAfter: 1500 * time.Millisecond}
	mw, err := middleware.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Realm = "second"
	cfg.Authenticator = nil
	cfg.Org = func(*http.Request) (string, bool) { return "", false }
	cfg.RetryAfter = time.Hour
	mux := http.NewServeMux()
	mux.Handle("/v1/organizations/{orgId}/whoami", mw.Handler(whoami))
	rec := serve(mux, request("GET", "/v1/organizations/acme/whoami"))
	if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="first"` {
		t.Errorf("WWW-Authenticate = %q", got)
	}
	checkAnswer(t, serve(mux, request("GET", "/v1/organizations/globex/whoami", "Bearer "+e.read)), 404, "not_found")
	e.store.set(func(s *countingStore) { s.hang = true })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec = serve(mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.write).WithContext(ctx))
	if got := rec.Header().Get("Retry-After"); rec.Code != 503 || got != "2" {
		t.Errorf("%d with Retry-After %q, want 503 with 2 (1.5s rounded up)", rec.Code, got)
	}
}

// TestOrgNotScoped: an Org func that reports no organization lets keys of
// every organization through.
func TestOrgNotScoped(t *testing.T) {
	e := newEnv(t, nil, func(c *middleware.Config) {
		c.Org = func(*http.Request) (string, bool) { return "", false }
	})
	h := e.mw.Handler(whoami)
	checkAnswer(t, serve(h, request("GET", "/v1/me", "Bearer "+e.read)), 200, "")
	checkAnswer(t, serve(h, request("GET", "/v1/me", "Bearer "+e.other)), 200, "")
}

func TestRequirePanicsOnInvalidPermission(t *testing.T) {
	e := newEnv(t, nil, nil)
	defer func() {
		if recover() == nil {
			t.Error("Require(0) did not panic")
		}
	}()
	e.mw.Require(0)
}

// TestIncompletePrincipal: an Authenticator that answers without an
// organization or permission fails closed.
func TestIncompletePrincipal(t *testing.T) {
	for name, p := range map[string]apikey.Principal{
		"no org":        {KeyID: "k", Permission: apikey.Write},
		"no permission": {KeyID: "k", OrgID: "acme"},
		"no key id":     {OrgID: "acme", Permission: apikey.Write},
	} {
		t.Run(name, func(t *testing.T) {
			mw, err := middleware.New(middleware.Config{
				Authenticator: authFunc(func(context.Context, string) (apikey.Principal, error) { return p, nil }),
				Org:           func(*http.Request) (string, bool) { return "", false },
			})
			if err != nil {
				t.Fatal(err)
			}
			checkAnswer(t, serve(mw.Handler(whoami), request("GET", "/", "Bearer x")), 500, "internal_error")
		})
	}
}
