package keyadmin_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/middleware/keyadmin"
)

var flashKey = bytes.Repeat([]byte{7}, 32)

// instances returns two page handlers over one Service, as two instances
// of a host behind a load balancer, the second with Config.FlashKey set to
// key2 (the first always has flashKey).
func instances(t *testing.T, key2 []byte) (a, b *env) {
	t.Helper()
	a = newEnv(t, func(c *keyadmin.Config) { c.FlashKey = flashKey })
	adm, err := keyadmin.New(keyadmin.Config{Service: a.svc, Actor: testActor, Authorize: testAuthorize, Now: a.clock.Now, FlashKey: key2})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/organizations/{orgId}/developer/api-keys", adm.Page())
	mux.Handle("/organizations/{orgId}/developer/api-keys/", adm.Page())
	return a, &env{t: t, clock: a.clock, svc: a.svc, mux: mux}
}

// flashCookie returns the flash cookie a redirect sets, checking its
// attributes, and that it does not hold the key in clear.
func flashCookie(t *testing.T, r response) *http.Cookie {
	t.Helper()
	if r.status != http.StatusSeeOther {
		t.Fatalf("status %d, want 303: %s", r.status, r.body)
	}
	cs := (&http.Response{Header: r.header}).Cookies()
	if len(cs) != 1 {
		t.Fatalf("the redirect sets %d cookies, want 1: %v", len(cs), r.header["Set-Cookie"])
	}
	c := cs[0]
	loc, _ := url.Parse(r.header.Get("Location"))
	if c.Name != "keyadmin_flash_"+loc.Query().Get("flash") || c.Path != page || c.MaxAge != 300 ||
		!c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
		t.Errorf("flash cookie %s", c)
	}
	// What it seals names the actor; eight bytes that random ones match
	// with odds of 2^-64 per position.
	if raw, err := base64.RawURLEncoding.DecodeString(c.Value); err != nil || bytes.Contains(raw, []byte(`"u-alice"`)) {
		t.Errorf("the flash cookie is not sealed: %s (%v)", c.Value, err)
	}
	return c
}

func (e *env) getWithCookie(actor, loc string, c *http.Cookie) response {
	e.t.Helper()
	return e.do(actor, "GET", loc, "", "Cookie", c.Name+"="+c.Value)
}

// With Config.FlashKey, the GET after a create may reach another instance:
// it shows the key once, and deletes the cookie.
func TestPageSealedFlashAcrossInstances(t *testing.T) {
	a, b := instances(t, flashKey)
	r := a.form("alice", page, "name=Across&permission=write")
	c := flashCookie(t, r)
	loc := r.header.Get("Location")
	shown := b.getWithCookie("alice", loc, c)
	m := shownKey.FindStringSubmatch(shown.body)
	if shown.status != 200 || m == nil || !strings.Contains(shown.body, "Across") {
		t.Fatalf("the other instance (%d) does not show the key", shown.status)
	}
	if !a.authenticates(m[1]) {
		t.Error("the shown key does not work")
	}
	if raw, _ := base64.RawURLEncoding.DecodeString(c.Value); strings.Contains(c.Value, m[1]) || bytes.Contains(raw, []byte(m[1])) {
		t.Error("the flash cookie holds the key's text")
	}
	gone := (&http.Response{Header: shown.header}).Cookies()
	if len(gone) != 1 || gone[0].Name != c.Name || gone[0].MaxAge >= 0 || gone[0].Path != page {
		t.Errorf("the answer that shows the key does not delete its cookie: %v", shown.header["Set-Cookie"])
	}
	// A reload, after the browser deleted the cookie, on either instance.
	for _, e := range []*env{a, b} {
		again := e.do("alice", "GET", loc, "")
		if shownKey.MatchString(again.body) || !strings.Contains(again.body, "shown only once") {
			t.Errorf("a reload shows the key, or does not say it was shown once")
		}
	}
	if n := a.keyCount("acme"); n != 1 {
		t.Errorf("%d keys, want 1", n)
	}
}

// Rotations and notices travel the same way.
func TestPageSealedFlashRotateAndRevoke(t *testing.T) {
	a, b := instances(t, flashKey)
	id := a.createKey("Rotating")["id"].(string)
	r := a.form("alice", page+"/"+id+"/rotate", "grace=1h")
	shown := b.getWithCookie("alice", r.header.Get("Location"), flashCookie(t, r))
	if !shownKey.MatchString(shown.body) || !strings.Contains(shown.body, "replaces <code>dk_"+id) {
		t.Error("the other instance does not show the rotated key and what it replaces")
	}
	r = a.form("alice", page+"/"+id+"/revoke", "")
	if shown := b.getWithCookie("alice", r.header.Get("Location"), flashCookie(t, r)); !strings.Contains(shown.body, "Revoked “Rotating”") {
		t.Error("the other instance does not show the revocation's notice")
	}
}

// A cookie opens only for its own token, its actor and organization,
// under the same key, unaltered, within five minutes; anything else shows
// no key and is no error.
func TestPageSealedFlashRefusals(t *testing.T) {
	other := bytes.Repeat([]byte{8}, 32)
	a, b := instances(t, other)
	r := a.form("alice", page, "name=Guarded&permission=read")
	c := flashCookie(t, r)
	loc := r.header.Get("Location")
	second := a.form("alice", page, "name=Second&permission=read")
	loc2 := second.header.Get("Location")
	flip := []byte(c.Value)
	flip[len(flip)/2] ^= 1
	for _, tc := range []struct {
		desc, actor, loc, cookie string
		e                        *env
	}{
		{"another instance's key", "alice", loc, c.Name + "=" + c.Value, b},
		{"an altered cookie", "alice", loc, c.Name + "=" + string(flip), a},
		{"the cookie under another token", "alice", loc2, "keyadmin_flash_" + mustQuery(t, loc2) + "=" + c.Value, a},
		{"another actor", "admin", loc, c.Name + "=" + c.Value, a},
		{"another organization", "admin", strings.Replace(loc, "/acme/", "/other/", 1), c.Name + "=" + c.Value, a},
		{"not base64", "alice", loc, c.Name + "=%%%", a},
		{"empty", "alice", loc, c.Name + "=", a},
	} {
		got := tc.e.do(tc.actor, "GET", tc.loc, "", "Cookie", tc.cookie)
		if got.status != 200 || shownKey.MatchString(got.body) {
			t.Errorf("%s: %d, or a key shown", tc.desc, got.status)
		}
	}
	a.clock.Advance(6 * time.Minute)
	if got := a.getWithCookie("alice", loc, c); shownKey.MatchString(got.body) {
		t.Error("a cookie kept past five minutes still shows the key")
	}
}

func mustQuery(t *testing.T, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("flash")
}

func TestFlashKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		_, err := keyadmin.New(keyadmin.Config{Service: newEnv(t, nil).svc, Actor: testActor, Authorize: testAuthorize,
			FlashKey: make([]byte, n)})
		if err == nil || !strings.Contains(err.Error(), "FlashKey must be 32 bytes") {
			t.Errorf("a %d-byte FlashKey: %v", n, err)
		}
	}
}

// FuzzFlashCookie sends any flash cookie with a real redirect's token: the
// page answers 200 and shows no key, unless the cookie is the one sealed
// for it.
func FuzzFlashCookie(f *testing.F) {
	e := newEnv(f, func(c *keyadmin.Config) { c.FlashKey = flashKey })
	r := e.form("alice", page, "name=Fuzzed&permission=read")
	loc := r.header.Get("Location")
	u, _ := url.Parse(loc)
	name := "keyadmin_flash_" + u.Query().Get("flash")
	sealed := ""
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		sealed = c.Value
	}
	for _, s := range []string{sealed, sealed[:len(sealed)/2], "", "AAAA", "%", strings.Repeat("A", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		e.t = t
		got := e.do("alice", "GET", loc, "", "Cookie", name+"="+value)
		if got.status != 200 {
			t.Fatalf("status %d", got.status)
		}
		if shownKey.MatchString(got.body) && value != sealed {
			t.Fatalf("a key shown for cookie %q", value)
		}
	})
}
