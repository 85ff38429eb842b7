package web_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/examples/driive/internal/web"
	"github.com/driive/keyauth/store/memstore"
)

func TestSignInReturnsToThePage(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	page := "/organizations/acme/developer/api-keys?revoked=hide"
	res := e.get(c, page)
	login := res.header.Get("Location")
	form := e.get(c, login)
	if !strings.Contains(form.body, `name="next" value="`+strings.ReplaceAll(page, "&", "&amp;")+`"`) {
		t.Fatalf("the sign-in form does not carry the page to return to")
	}
	res = e.post(c, "/developer/login", url.Values{"password": {password}, "next": {page}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != page {
		t.Fatalf("after sign-in: %d to %q, want %q", res.status, res.header.Get("Location"), page)
	}
	if res := e.get(c, page); res.status != http.StatusOK || !strings.Contains(res.body, "acme") {
		t.Fatalf("the page after sign-in: %d", res.status)
	}
	// Only paths on this server: never another site.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		res := e.post(e.client(), "/developer/login", url.Values{"password": {password}, "next": {next}})
		if res.header.Get("Location") != "/developer/api-keys" {
			t.Errorf("next=%q: redirected to %q", next, res.header.Get("Location"))
		}
	}
}

func TestOrganizationSwitcher(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	res := e.get(c, "/developer/api-keys")
	if res.status != 200 || !strings.Contains(res.body, `href="/organizations/demo/developer/api-keys"`) {
		t.Fatalf("switcher: %d without demo", res.status)
	}
	res = e.get(c, "/developer/api-keys?org=acme-2")
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/organizations/acme-2/developer/api-keys" {
		t.Errorf("?org=acme-2: %d to %q", res.status, res.header.Get("Location"))
	}
	if res := e.get(c, "/developer/api-keys?org=no+spaces"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a malformed organization: %d, want 422", res.status)
	}
}

// The page of any organization works for the signed-in admin, and every
// change names the admin in the audit trail.
func TestAdminManagesAnyOrganization(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	key := e.createKey(c, "acme", "Dashboard")
	if _, err := e.svc.Authenticate(t.Context(), key); err != nil {
		t.Fatalf("the key made on the page: %v", err)
	}
	page := e.get(c, "/organizations/acme/developer/api-keys")
	if !strings.Contains(page.body, "by Admin") || !strings.Contains(page.body, "<strong>Admin</strong> created") {
		t.Error("the page does not show the admin as creator and in the activity")
	}
	if strings.Contains(page.body, key) {
		t.Error("the key is on the page after the one showing")
	}
}

func TestBasicAuthForScripts(t *testing.T) {
	e := newEnv(t, false)
	api := e.srv.URL + "/admin/v1/organizations/acme/api-keys"
	send := func(user, pass, body string) response {
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		req, _ := http.NewRequest(method, api, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		return e.do(e.client(), req)
	}
	if res := send("admin", password, `{"name":"script","permission":"read"}`); res.status != 201 || !keyRE.MatchString(res.body) {
		t.Fatalf("create with Basic: %d %s", res.status, res.body)
	}
	for _, tc := range []struct{ user, pass string }{{"", ""}, {"admin", "wrong password"}, {"root", password}} {
		res := send(tc.user, tc.pass, "")
		if res.status != 401 || !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("user %q: %d, WWW-Authenticate %q; want 401 with a Basic challenge", tc.user, res.status, res.header.Get("WWW-Authenticate"))
		}
	}
	// Wrong Basic credentials count against the sign-in throttle.
	for range 10 {
		send("admin", "guess", "")
	}
	if res := send("admin", password, ""); res.status != 401 {
		t.Errorf("the right password after 10 wrong ones from the address: %d, want 401", res.status)
	}
	if res := e.post(e.client(), "/developer/login", url.Values{"password": {password}}); res.status != http.StatusTooManyRequests {
		t.Errorf("the form after 10 wrong Basic guesses: %d, want 429", res.status)
	}
}

// Guesses from many addresses are throttled together: the counts of one
// address are not wiped by failures from others, and past the global
// budget every address waits.
func TestSignInThrottledGlobally(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{Service: svc, AdminPassword: password, Now: clock, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	login := func(addr, pw string) int {
		r := httptest.NewRequest(http.MethodPost, "/developer/login", strings.NewReader(url.Values{"password": {pw}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = addr + ":4000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 9 {
		if got := login("192.0.2.1", "guess"); got != 401 {
			t.Fatalf("guess %d: %d", i, got)
		}
	}
	for i := range 90 {
		if got := login(fmt.Sprintf("198.51.100.%d", i), "guess"); got != 401 {
			t.Fatalf("guess from address %d: %d", i, got)
		}
	}
	// 99 failures: the first address still has its own count.
	if got := login("192.0.2.1", "guess"); got != 401 {
		t.Fatalf("tenth guess from the first address: %d", got)
	}
	if got := login("192.0.2.1", password); got != http.StatusTooManyRequests {
		t.Errorf("the first address after 10 failures: %d, want 429", got)
	}
	// 100 failures in the window: nobody gets in, not even with the
	// password, until the window ends.
	if got := login("203.0.113.9", password); got != http.StatusTooManyRequests {
		t.Errorf("a fresh address past the global budget: %d, want 429", got)
	}
	now = now.Add(10*time.Minute + time.Second)
	if got := login("203.0.113.9", password); got != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", got)
	}
}
