package keyadmin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware/keyadmin"
)

const page = "/organizations/acme/developer/api-keys"

// shownKey finds a key shown in a form field: apikey.Pattern, unanchored.
var shownKey = regexp.MustCompile(`value="(` + strings.Trim(apikey.Pattern.String(), "^$") + `)"`)

// createOnPage posts the create form and follows the redirect, returning
// the redirect's target and the page it shows.
func (e *env) createOnPage(actor, form string) (string, response) {
	e.t.Helper()
	r := e.form(actor, page, form)
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("create: status %d, want 303: %s", r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, page+"?") || strings.Contains(loc, "dk_") {
		e.t.Fatalf("create redirects to %q", loc)
	}
	return loc, e.do(actor, "GET", loc, "")
}

func (e *env) keyCount(org string) int {
	e.t.Helper()
	return len(e.must(200, "admin", "GET", "/admin/v1/organizations/"+org+"/api-keys", "")["data"].([]any))
}

func TestPageListsKeys(t *testing.T) {
	e := newEnv(t, nil)
	k := e.createKey("CRM Sync")
	for _, p := range []string{page, page + "/"} {
		r := e.do("viewer", "GET", p, "")
		if r.status != 200 || !strings.Contains(r.body, "CRM Sync") || !strings.Contains(r.body, k["prefix"].(string)+"…") {
			t.Fatalf("GET %s: %d, body without the key's row", p, r.status)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Frame-Options") != "DENY" ||
			!strings.Contains(r.header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("headers %v", r.header)
		}
		// The viewer sees the table, not the buttons it may not use.
		for _, s := range []string{"Create API Key</a>", ">Rotate<", ">Revoke<"} {
			if strings.Contains(r.body, s) {
				t.Errorf("the viewer's page offers %q", s)
			}
		}
	}
	r := e.do("alice", "GET", page, "")
	for _, s := range []string{"Create API Key</a>", ">Rotate<", ">Revoke<", "Alice"} {
		if !strings.Contains(r.body, s) {
			t.Errorf("alice's page lacks %q", s)
		}
	}
}

func TestPageShowOnce(t *testing.T) {
	e := newEnv(t, nil)
	loc, r := e.createOnPage("alice", "name=Dashboard&permission=write&expires=2026-04-30")
	m := shownKey.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("the page after create (%d) does not show the key", r.status)
	}
	if !e.authenticates(m[1]) {
		t.Error("the shown key does not work")
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with the key is not no-store")
	}
	if !strings.Contains(r.body, "stops working Apr 30, 2026") && !strings.Contains(r.body, "stops working May 1, 2026, 00:00 UTC") {
		t.Error("the created banner does not say when the key stops working")
	}
	// Reload, back, a second tab: the same URL never shows it again and
	// never makes another key.
	for i := range 3 {
		again := e.do("alice", "GET", loc, "")
		if again.status != 200 || strings.Contains(again.body, m[1]) || shownKey.MatchString(again.body) {
			t.Fatalf("load %d of %s shows a key", i+2, loc)
		}
		if !strings.Contains(again.body, "shown only once") {
			t.Error("a second load does not say the key was shown once")
		}
	}
	if n := e.keyCount("acme"); n != 1 {
		t.Errorf("%d keys after one create and reloads, want 1", n)
	}
}

func TestPageFlashIsTheCreators(t *testing.T) {
	e := newEnv(t, nil)
	r := e.form("alice", page, "name=Mine&permission=read")
	loc := r.header.Get("Location")
	if other := e.do("admin", "GET", loc, ""); shownKey.MatchString(other.body) {
		t.Fatal("another actor saw the key through the creator's redirect")
	}
	if other := e.do("admin", "GET", strings.Replace(loc, "/acme/", "/other/", 1), ""); shownKey.MatchString(other.body) {
		t.Fatal("the key was shown under another organization")
	}
	if mine := e.do("alice", "GET", loc, ""); !shownKey.MatchString(mine.body) {
		t.Fatal("the creator does not see the key after others tried the token")
	}
}

func TestPageFlashExpires(t *testing.T) {
	e := newEnv(t, nil)
	loc := e.form("alice", page, "name=Late&permission=read").header.Get("Location")
	e.clock.Advance(6 * time.Minute)
	if r := e.do("alice", "GET", loc, ""); shownKey.MatchString(r.body) {
		t.Fatal("a key nobody came for was shown 6 minutes later")
	}
}

func TestPageCreateValidation(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct{ desc, form, msg string }{
		{"no name", "name=&permission=read", "Enter a name for the key."},
		{"long name", "name=" + strings.Repeat("x", 101) + "&permission=read", "Use at most 100 characters."},
		{"no permission", "name=n", "Choose Read or Write."},
		{"bad date", "name=n&permission=read&expires=tomorrow", "Enter a date as YYYY-MM-DD."},
		{"past date", "name=n&permission=read&expires=2026-02-27", "this one has passed"},
		{"far date", "name=n&permission=read&expires=2040-01-01", "within 10 years"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := e.form("alice", page, tc.form)
			if r.status != 422 || !strings.Contains(r.body, tc.msg) {
				t.Errorf("status %d, want 422 with %q", r.status, tc.msg)
			}
		})
	}
	if r := e.form("alice", page, "%zz"); r.status != 400 {
		t.Errorf("an unreadable form: %d, want 400", r.status)
	}
	if n := e.keyCount("acme"); n != 0 {
		t.Errorf("%d keys after refused forms", n)
	}
	// Today is allowed: the key works through today.
	_, r := e.createOnPage("alice", "name=today&permission=read&expires=2026-03-01")
	if !shownKey.MatchString(r.body) {
		t.Error("a key expiring at the end of today was refused")
	}
}

func TestPageNewForm(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("alice", "GET", page+"/new", "")
	if r.status != 200 || !strings.Contains(r.body, `action="`+page+`"`) || !strings.Contains(r.body, "00:00 UTC the next day") {
		t.Errorf("new form: %d", r.status)
	}
	if r := e.do("viewer", "GET", page+"/new", ""); r.status != 403 {
		t.Errorf("the viewer's create form: %d, want 403", r.status)
	}
}

func TestPageRevoke(t *testing.T) {
	e := newEnv(t, nil)
	k := e.createKey("Old export")
	id := k["id"].(string)
	form := e.do("alice", "GET", page+"/"+id+"/revoke", "")
	if form.status != 200 || !strings.Contains(form.body, `action="`+page+"/"+id+`/revoke"`) {
		t.Fatalf("revoke confirmation: %d", form.status)
	}
	r := e.form("alice", page+"/"+id+"/revoke", "back="+url.QueryEscape("revoked=hide"))
	if r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), page+"?revoked=hide&flash=") {
		t.Fatalf("revoke: %d to %q", r.status, r.header.Get("Location"))
	}
	if e.authenticates(k["key"].(string)) {
		t.Error("the key works after Revoke on the page")
	}
	shown := e.do("alice", "GET", r.header.Get("Location"), "")
	if !strings.Contains(shown.body, "Revoked “Old export”") {
		t.Error("no notice after revoke")
	}
	if strings.Contains(shown.body, `data-key-id="`+id+`"`) {
		t.Error("hidden revoked keys are in the table")
	}
	all := e.do("alice", "GET", page, "")
	if !strings.Contains(all.body, `is-revoked" data-key-id="`+id+`"`) || !strings.Contains(all.body, "Hide revoked keys") {
		t.Error("the revoked key is not shown as revoked, or there is no way to hide it")
	}
	// The confirmation of a revoked key leads back with a notice.
	if r := e.do("alice", "GET", page+"/"+id+"/revoke", ""); r.status != 303 {
		t.Errorf("confirmation of a revoked key: %d, want 303", r.status)
	}
	for _, p := range []string{"/AAAAAAAAAAAA/revoke", "/nonsense/revoke"} {
		if r := e.form("alice", page+p, ""); r.status != 404 {
			t.Errorf("revoke %s: %d, want 404", p, r.status)
		}
	}
	if r := e.form("viewer", page+"/"+id+"/revoke", ""); r.status != 403 {
		t.Errorf("the viewer's revoke: %d, want 403", r.status)
	}
}

func TestPageRotate(t *testing.T) {
	e := newEnv(t, nil)
	k := e.createKey("Rotating")
	id := k["id"].(string)
	form := e.do("alice", "GET", page+"/"+id+"/rotate", "")
	if form.status != 200 || !strings.Contains(form.body, `name="grace" value="24h" checked`) {
		t.Fatalf("rotate form: %d", form.status)
	}
	if r := e.form("alice", page+"/"+id+"/rotate", "grace=3h"); r.status != 422 {
		t.Errorf("a grace that is not offered: %d, want 422", r.status)
	}
	r := e.form("alice", page+"/"+id+"/rotate", "grace=1h")
	if r.status != 303 {
		t.Fatalf("rotate: %d: %s", r.status, r.body)
	}
	shown := e.do("alice", "GET", r.header.Get("Location"), "")
	m := shownKey.FindStringSubmatch(shown.body)
	if m == nil || !strings.Contains(shown.body, "API key rotated") || !strings.Contains(shown.body, "replaces <code>dk_"+id) {
		t.Fatal("the page after rotate does not show the new key and what it replaces")
	}
	if !e.authenticates(m[1]) || !e.authenticates(k["key"].(string)) {
		t.Error("during the grace period both keys should work")
	}
	if again := e.do("alice", "GET", r.header.Get("Location"), ""); shownKey.MatchString(again.body) {
		t.Error("a reload shows the rotated key again")
	}
	if n := e.keyCount("acme"); n != 2 {
		t.Errorf("%d keys after one rotation and a reload, want 2", n)
	}
	if r := e.form("viewer", page+"/"+id+"/rotate", "grace=1h"); r.status != 403 {
		t.Errorf("the viewer's rotate: %d, want 403", r.status)
	}
}

func TestPageRefusals(t *testing.T) {
	e := newEnv(t, nil)
	id := e.createKey("k")["id"].(string)
	routes := []struct{ method, path, form string }{
		{"GET", "", ""}, {"POST", "", "name=n&permission=read"}, {"GET", "/new", ""},
		{"GET", "/" + id + "/revoke", ""}, {"POST", "/" + id + "/revoke", ""},
		{"GET", "/" + id + "/rotate", ""}, {"POST", "/" + id + "/rotate", "grace=0s"},
		{"GET", "/activity", ""},
	}
	for _, rt := range routes {
		send := func(actor, path string, hdr ...string) response {
			if rt.method == "POST" {
				return e.form(actor, path, rt.form, hdr...)
			}
			return e.do(actor, "GET", path, "", hdr...)
		}
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			if r := send("", page+rt.path); r.status != 401 || !strings.Contains(r.body, "Sign in") {
				t.Errorf("no actor: %d", r.status)
			}
			if r := send("alice", "/organizations/other/developer/api-keys"+rt.path); r.status != 403 {
				t.Errorf("other organization: %d, want 403", r.status)
			}
			if r := send("alice", "/organizations/b@d/developer/api-keys"+rt.path); r.status != 404 {
				t.Errorf("malformed organization: %d, want 404", r.status)
			}
			if rt.method == "POST" {
				if r := send("viewer", page+rt.path); r.status != 403 {
					t.Errorf("viewer: %d, want 403", r.status)
				}
				r := send("admin", page+rt.path, "Sec-Fetch-Site", "cross-site")
				if r.status != 403 || !strings.Contains(r.body, "sent from another site") {
					t.Errorf("cross-site form: %d, want 403", r.status)
				}
				if r := send("admin", page+rt.path, "Origin", "https://evil.example"); r.status != 403 {
					t.Errorf("cross-origin form: %d, want 403", r.status)
				}
			}
		})
	}
	if e.keyCount("acme") != 1 || e.must(200, "admin", "GET", api+"/api-keys/"+id, "")["revoked_at"] != nil {
		t.Error("a refused request changed keys")
	}
	if r := e.do("alice", "GET", page+"/nothing/here/at/all", ""); r.status != 404 {
		t.Errorf("unknown page: %d", r.status)
	}
	if r := e.do("alice", "DELETE", page, ""); r.status != 404 {
		t.Errorf("DELETE on the page: %d", r.status)
	}
}

func TestPageSignInHandler(t *testing.T) {
	e := newEnv(t, func(c *keyadmin.Config) {
		c.SignIn = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		})
	})
	r := e.do("", "GET", page, "")
	if r.status != 303 || r.header.Get("Location") != "/login?next="+url.QueryEscape(page) {
		t.Errorf("no actor on the page: %d to %q, want the host's sign-in", r.status, r.header.Get("Location"))
	}
	// The API never redirects: scripts get 401.
	problemOf(t, e.do("", "GET", api+"/api-keys", ""), 401, "missing_api_key")
}

func TestPagePaginationAndBadCursor(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 25 {
		e.createKey("key " + string(rune('A'+i)))
		e.clock.Advance(time.Second)
	}
	first := e.do("alice", "GET", page, "")
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatal("no next page link with 25 keys")
	}
	second := e.do("alice", "GET", strings.ReplaceAll(next[1], "&amp;", "&"), "")
	if second.status != 200 || !strings.Contains(second.body, "key Y") || strings.Contains(second.body, ">key A<") {
		t.Errorf("second page: %d", second.status)
	}
	bad := e.do("alice", "GET", page+"?cursor=garbage&page=2", "")
	if bad.status != 400 || !strings.Contains(bad.body, "not valid any more") || !strings.Contains(bad.body, ">key A<") {
		t.Errorf("bad cursor: %d", bad.status)
	}
}

func TestPageAssets(t *testing.T) {
	e := newEnv(t, nil)
	body := e.do("", "GET", page, "").body
	for _, re := range []string{`href="(` + page + `/assets/app\.[0-9a-f]+\.css)"`, `src="(` + page + `/assets/app\.[0-9a-f]+\.js)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no asset link matching %s", re)
		}
		r := e.do("", "GET", m[1], "")
		if r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d %q", m[1], r.status, r.header.Get("Cache-Control"))
		}
	}
	if r := e.do("", "GET", page+"/assets/app.css", ""); r.status != 404 {
		t.Errorf("an asset without its digest: %d", r.status)
	}
	css := e.do("", "GET", regexp.MustCompile(`href="([^"]+\.css)"`).FindStringSubmatch(body)[1], "").body
	for _, v := range []string{"--primary:", "--bg:", "--font:"} {
		if !strings.Contains(css, v) {
			t.Errorf("the stylesheet has no custom property %s", v)
		}
	}
}

func TestPageHostStylesheet(t *testing.T) {
	e := newEnv(t, func(c *keyadmin.Config) { c.Stylesheet = "/brand.css"; c.Product = "Acme Cloud" })
	r := e.do("alice", "GET", page, "")
	if !strings.Contains(r.body, `<link rel="stylesheet" href="/brand.css">`) || !strings.Contains(r.body, "API Keys · Acme Cloud") {
		t.Error("the host's stylesheet or product name is not on the page")
	}
}
