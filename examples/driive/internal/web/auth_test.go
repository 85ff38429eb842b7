package web_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/examples/driive/internal/web"
	"github.com/driive/keyauth/store/memstore"
)

func TestNewValidatesConfig(t *testing.T) {
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc string
		cfg  web.Config
		ok   bool
	}{
		{"valid", web.Config{Service: svc, AdminPassword: "twelve chars"}, true},
		{"valid, with logger", web.Config{Service: svc, AdminPassword: password, Logger: slog.Default()}, true},
		{"no service", web.Config{AdminPassword: password}, false},
		{"empty password", web.Config{Service: svc}, false},
		{"short password", web.Config{Service: svc, AdminPassword: "eleven char"}, false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			h, err := web.New(tc.cfg)
			if tc.ok != (err == nil) || tc.ok != (h != nil) {
				t.Fatalf("New: handler %v, error %v; want ok=%v", h != nil, err, tc.ok)
			}
		})
	}
}

func TestPagesRequireSignIn(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	for _, tc := range []struct {
		desc, method, path string
	}{
		{"organizations", http.MethodGet, "/developer/api-keys"},
		{"list", http.MethodGet, keysPage},
		{"create form", http.MethodGet, keysPage + "/new"},
		{"create", http.MethodPost, keysPage},
		{"revoke confirmation", http.MethodGet, keysPage + "/abc/revoke"},
		{"revoke", http.MethodPost, keysPage + "/abc/revoke"},
		{"other organization", http.MethodGet, "/organizations/acme/developer/api-keys/activity"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var res response
			if tc.method == http.MethodGet {
				res = e.get(c, tc.path)
			} else {
				res = e.post(c, tc.path, url.Values{"name": {"x"}, "permission": {"read"}})
			}
			want := "/developer/login?" + url.Values{"next": {tc.path}}.Encode()
			if res.status != http.StatusSeeOther || res.header.Get("Location") != want {
				t.Fatalf("status %d, Location %q; want 303 to %s", res.status, res.header.Get("Location"), want)
			}
		})
	}
	if p, err := e.svc.List(t.Context(), "demo", apikey.ListOptions{}); err != nil || len(p.Keys) != 0 {
		t.Fatalf("%d keys created without sign-in (%v)", len(p.Keys), err)
	}
}

func TestSignInPage(t *testing.T) {
	e := newEnv(t, false)
	res := e.get(e.client(), "/developer/login")
	if res.status != http.StatusOK || !strings.Contains(res.body, `type="password"`) {
		t.Fatalf("status %d; the sign-in form is missing:\n%s", res.status, res.body)
	}
	if got := res.header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", got)
	}
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t, false)
	for _, tc := range []struct{ desc, password string }{
		{"empty", ""},
		{"wrong", "correct horse battery stapler"},
		{"prefix of the right one", password[:5]},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c := e.client()
			res := e.post(c, "/developer/login", url.Values{"password": {tc.password}})
			if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "Incorrect password") {
				t.Fatalf("status %d, want 401 with a message", res.status)
			}
			if sc := res.header.Values("Set-Cookie"); len(sc) != 0 {
				t.Fatalf("a failed sign-in set cookies: %q", sc)
			}
			if res := e.get(c, "/developer/api-keys"); res.status != http.StatusSeeOther {
				t.Fatalf("after a failed sign-in the page answers %d", res.status)
			}
		})
	}
	if strings.Contains(e.logs.String(), "stapler") {
		t.Error("a tried password reached the log")
	}
}

func TestSessionCookieFlags(t *testing.T) {
	for _, tc := range []struct {
		desc   string
		tls    bool
		secure bool
	}{
		{"plain HTTP", false, false},
		{"TLS", true, true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			e := newEnv(t, tc.tls)
			c := e.client()
			// A forwarded-proto header must not make the cookie Secure (or
			// anything else): the server decides from the connection.
			res := e.post(c, "/developer/login", url.Values{"password": {password}}, "X-Forwarded-Proto", "https")
			cookies := (&http.Response{Header: res.header}).Cookies()
			if len(cookies) != 1 {
				t.Fatalf("%d cookies set, want 1", len(cookies))
			}
			ck := cookies[0]
			if !ck.HttpOnly {
				t.Error("session cookie is not HttpOnly")
			}
			if ck.SameSite != http.SameSiteLaxMode && ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("SameSite = %v, want Lax or Strict", ck.SameSite)
			}
			if ck.Secure != tc.secure {
				t.Errorf("Secure = %v, want %v", ck.Secure, tc.secure)
			}
			if len(ck.Value) < 40 {
				t.Errorf("session id %d characters: too short to be random", len(ck.Value))
			}
			if strings.Contains(ck.Value, password) {
				t.Error("the cookie holds the password")
			}
		})
	}
}

func TestSessionIDsAreFresh(t *testing.T) {
	e := newEnv(t, false)
	seen := map[string]bool{}
	for range 5 {
		res := e.post(e.client(), "/developer/login", url.Values{"password": {password}})
		v := (&http.Response{Header: res.header}).Cookies()[0].Value
		if seen[v] {
			t.Fatalf("session id %q issued twice", v)
		}
		seen[v] = true
	}
}

func TestForgedSessionCookie(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	u, _ := url.Parse(e.srv.URL + "/developer/")
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "driive_admin", Value: strings.Repeat("A", 43), Path: "/"}})
	if res := e.get(c, "/developer/api-keys"); res.status != http.StatusSeeOther {
		t.Fatalf("a made-up session id got status %d", res.status)
	}
}

func TestSignOut(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	u, _ := url.Parse(e.srv.URL + "/developer/")
	old := c.Jar.Cookies(u)
	res := e.post(c, "/developer/logout", nil)
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/developer/login") {
		t.Fatalf("sign out: status %d, Location %q", res.status, res.header.Get("Location"))
	}
	if res := e.get(c, "/developer/api-keys"); res.status != http.StatusSeeOther {
		t.Fatalf("after sign-out the page answers %d", res.status)
	}
	// The old cookie, replayed, is dead on the server too.
	replay := e.client()
	replay.Jar.SetCookies(u, old)
	if res := e.get(replay, "/developer/api-keys"); res.status != http.StatusSeeOther {
		t.Fatalf("a signed-out session id still works: %d", res.status)
	}
}

func TestSessionExpires(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	e.now.Add(11 * time.Hour)
	if res := e.get(c, "/developer/api-keys"); res.status != http.StatusOK {
		t.Fatalf("after 11h: status %d, want 200", res.status)
	}
	e.now.Add(2 * time.Hour)
	if res := e.get(c, "/developer/api-keys"); res.status != http.StatusSeeOther {
		t.Fatalf("after 13h: status %d, want 303 to sign-in", res.status)
	}
}

func TestSignInThrottled(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	for i := range 10 {
		if res := e.post(c, "/developer/login", url.Values{"password": {"guess"}}); res.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, res.status)
		}
	}
	// Past the budget even the right password is refused, without a
	// session, until the window ends.
	res := e.post(c, "/developer/login", url.Values{"password": {password}})
	if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" || !strings.Contains(res.body, "Too many failed attempts") {
		t.Fatalf("11th attempt: status %d, Retry-After %q", res.status, res.header.Get("Retry-After"))
	}
	if len(res.header.Values("Set-Cookie")) != 0 {
		t.Fatal("a throttled sign-in set a cookie")
	}
	e.now.Add(10 * time.Minute)
	if res := e.post(c, "/developer/login", url.Values{"password": {password}}); res.status != http.StatusSeeOther {
		t.Fatalf("after the window: status %d, want 303", res.status)
	}
}

func TestSignInSuccessResetsThrottle(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	for range 9 {
		e.post(c, "/developer/login", url.Values{"password": {"guess"}})
	}
	e.signedIn()
	for i := range 9 {
		if res := e.post(c, "/developer/login", url.Values{"password": {"guess"}}); res.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d after a success: status %d, want 401", i+1, res.status)
		}
	}
}
