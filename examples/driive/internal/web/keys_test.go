package web_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

func TestListPage(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	res := e.get(c, "/developer/api-keys")
	if res.status != http.StatusOK {
		t.Fatalf("status %d", res.status)
	}
	for _, want := range []string{"API Keys", "Developer", "Create API Key", "No API keys yet", "Sign out"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
}

func TestCreateShowsKeyOnce(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	res := e.post(c, "/developer/api-keys", url.Values{"name": {"Zapier Integration"}, "permission": {"write"}, "expires": {"2026-04-01"}})
	if res.status != http.StatusCreated {
		t.Fatalf("status %d\n%s", res.status, res.body)
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	for _, h := range []string{"Location", "Set-Cookie"} {
		if v := res.header.Get(h); v != "" {
			t.Errorf("the create response sets %s: %q", h, v)
		}
	}
	keys := keyRE.FindAllString(res.body, -1)
	if len(keys) != 1 {
		t.Fatalf("the create response shows %d keys, want 1", len(keys))
	}
	key := keys[0]
	for _, want := range []string{"Copy the key now — it will not be shown again", "data-copy=", "readonly"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the create response lacks %q", want)
		}
	}

	p, err := e.svc.Authenticate(context.Background(), key)
	if err != nil {
		t.Fatalf("the shown key does not authenticate: %v", err)
	}
	if p.OrgID != "demo" || p.Permission != apikey.Write || p.Name != "Zapier Integration" {
		t.Errorf("principal %+v", p)
	}
	stored := e.listKeys()
	if len(stored) != 1 {
		t.Fatalf("%d keys stored, want 1", len(stored))
	}
	// 2026-04-01 as in the CLI: the key works through that day (UTC).
	if want := time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC); !stored[0].ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt %v, want %v", stored[0].ExpiresAt, want)
	}

	list := e.get(c, "/developer/api-keys")
	if list.status != http.StatusOK {
		t.Fatalf("list: status %d", list.status)
	}
	if keyRE.MatchString(list.body) || strings.Contains(list.body, key[len(stored[0].Prefix):]) {
		t.Fatal("the list page shows the key's secret")
	}
	for _, want := range []string{stored[0].Prefix + "…", "Zapier Integration", "badge-write", "Apr 2, 2026", "Never"} {
		if !strings.Contains(html.UnescapeString(list.body), want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(list.body, "it will not be shown again") {
		t.Error("the list page repeats the new-key banner")
	}
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, false) // today is 2026-03-10
	c := e.signedIn()
	for _, tc := range []struct {
		desc             string
		name, perm, date string
		msg              string
	}{
		{"empty name", "", "read", "", "Enter a name for the key."},
		{"blank name", "   ", "read", "", "Enter a name for the key."},
		{"long name", strings.Repeat("n", 101), "read", "", "Use at most 100 characters."},
		{"control character", "a\x07b", "read", "", "Use letters, digits, spaces and punctuation only."},
		{"no permission", "CRM Sync", "", "", "Choose Read or Write."},
		{"unknown permission", "CRM Sync", "admin", "", "Choose Read or Write."},
		{"past date", "CRM Sync", "read", "2026-03-09", "Choose today or a later date: this one has passed."},
		{"not a date", "CRM Sync", "read", "next week", "Enter a date as YYYY-MM-DD."},
		{"impossible date", "CRM Sync", "read", "2026-02-30", "Enter a date as YYYY-MM-DD."},
		{"too far", "CRM Sync", "read", "2099-01-01", "Choose a date within 10 years"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			res := e.post(c, "/developer/api-keys", url.Values{"name": {tc.name}, "permission": {tc.perm}, "expires": {tc.date}})
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.status)
			}
			if !strings.Contains(html.UnescapeString(res.body), tc.msg) {
				t.Errorf("the form does not say %q", tc.msg)
			}
			if !strings.Contains(res.body, `class="field-error"`) {
				t.Error("the error is not shown beside its field")
			}
			if keyRE.MatchString(res.body) {
				t.Error("a key is shown after a refused form")
			}
		})
	}
	if n := len(e.listKeys()); n != 0 {
		t.Fatalf("%d keys created from invalid forms", n)
	}
	// Today is accepted: the key works until midnight UTC.
	e.createKey(c, "Today only", "read", "2026-03-10")
}

func TestCreateFormKeepsValues(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	res := e.post(c, "/developer/api-keys", url.Values{"name": {`<script>alert(1)</script>`}, "permission": {"write"}, "expires": {"2020-01-01"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", res.status)
	}
	if strings.Contains(res.body, "<script>alert(1)") {
		t.Fatal("the name is echoed unescaped")
	}
	if !strings.Contains(res.body, `value="&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Error("the name is not kept in the form")
	}
	if !regexp.MustCompile(`value="write"\s+checked`).MatchString(res.body) {
		t.Error("the chosen permission is not kept")
	}
}

func TestRevokeFlow(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	key := e.createKey(c, "CRM Sync", "read", "")
	k := e.listKeys()[0]

	confirm := e.get(c, "/developer/api-keys/"+k.ID+"/revoke")
	if confirm.status != http.StatusOK {
		t.Fatalf("confirmation page: status %d", confirm.status)
	}
	for _, want := range []string{"Revoke API key?", "CRM Sync", k.Prefix, `method="post"`, "stops working immediately"} {
		if !strings.Contains(confirm.body, want) {
			t.Errorf("confirmation page lacks %q", want)
		}
	}
	if _, err := e.svc.Authenticate(context.Background(), key); err != nil {
		t.Fatalf("the confirmation page alone revoked the key: %v", err)
	}

	res := e.post(c, "/developer/api-keys/"+k.ID+"/revoke", nil)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/developer/api-keys" {
		t.Fatalf("revoke: status %d, Location %q", res.status, res.header.Get("Location"))
	}
	if _, err := e.svc.Authenticate(context.Background(), key); !errors.Is(err, apikey.ErrKeyRevoked) {
		t.Fatalf("after revocation Authenticate = %v, want ErrKeyRevoked", err)
	}
	list := e.get(c, "/developer/api-keys")
	body := html.UnescapeString(list.body)
	for _, want := range []string{"Revoked “CRM Sync”", "badge-muted\">Revoked", "is-revoked"} {
		if !strings.Contains(body, want) {
			t.Errorf("the list after revocation lacks %q", want)
		}
	}
	if strings.Contains(body, "/developer/api-keys/"+k.ID+"/revoke") {
		t.Error("a revoked key still has a Revoke button")
	}
	// The notice shows once.
	if again := e.get(c, "/developer/api-keys"); strings.Contains(html.UnescapeString(again.body), "Revoked “CRM Sync”") {
		t.Error("the revocation notice shows twice")
	}
	// Revoking again (a second tab) is harmless.
	if res := e.post(c, "/developer/api-keys/"+k.ID+"/revoke", nil); res.status != http.StatusSeeOther {
		t.Errorf("second revoke: status %d", res.status)
	}
	if res := e.get(c, "/developer/api-keys/"+k.ID+"/revoke"); res.status != http.StatusSeeOther {
		t.Errorf("confirmation page of a revoked key: status %d, want a redirect", res.status)
	}
}

func TestRevokeUnknownKey(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	// A key of another organization is not found either.
	_, other, err := e.svc.Create(context.Background(), apikey.CreateParams{OrgID: "other", Name: "x", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	otherID := strings.Split(other.Reveal(), "_")[1]
	for _, tc := range []struct{ desc, id string }{
		{"unknown id", "AAAAAAAAAAAA"},
		{"malformed id", "not-an-id"},
		{"another organization's key", otherID},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if res := e.get(c, "/developer/api-keys/"+tc.id+"/revoke"); res.status != http.StatusNotFound {
				t.Errorf("confirmation page: status %d, want 404", res.status)
			}
			if res := e.post(c, "/developer/api-keys/"+tc.id+"/revoke", nil); res.status != http.StatusNotFound {
				t.Errorf("revoke: status %d, want 404", res.status)
			}
		})
	}
	if _, err := e.svc.Authenticate(context.Background(), other.Reveal()); err != nil {
		t.Fatalf("another organization's key was revoked: %v", err)
	}
}

func TestPagination(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	for i := range 23 {
		e.now.Add(time.Second)
		if _, _, err := e.svc.Create(context.Background(), apikey.CreateParams{
			OrgID: "demo", Name: fmt.Sprintf("Key %02d", i), Permission: apikey.Read,
		}); err != nil {
			t.Fatal(err)
		}
	}
	first := e.get(c, "/developer/api-keys")
	if !strings.Contains(first.body, "Key 00") || !strings.Contains(first.body, "Key 19") || strings.Contains(first.body, "Key 20") {
		t.Fatal("the first page does not hold keys 00-19")
	}
	next := regexp.MustCompile(`href="(/developer/api-keys\?[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatal("no link to the next page")
	}
	second := e.get(c, html.UnescapeString(next[1]))
	if second.status != http.StatusOK || !strings.Contains(second.body, "Key 20") || !strings.Contains(second.body, "Key 22") ||
		strings.Contains(second.body, "Key 19") || strings.Contains(second.body, `rel="next"`) {
		t.Fatalf("second page: status %d, wrong keys or a next link", second.status)
	}
	if !strings.Contains(second.body, "Page 2") {
		t.Error("the second page does not say so")
	}

	// Revoking from page 2 comes back to page 2.
	k := e.listKeys()[21]
	u, _ := url.Parse(html.UnescapeString(next[1]))
	res := e.post(c, "/developer/api-keys/"+k.ID+"/revoke", url.Values{"cursor": {u.Query().Get("cursor")}, "page": {"2"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != html.UnescapeString(next[1]) {
		t.Errorf("revoke from page 2 goes to %q", res.header.Get("Location"))
	}

	bad := e.get(c, "/developer/api-keys?cursor=bogus!")
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "Key 00") {
		t.Errorf("a bad cursor: status %d; want 400 with the first page", bad.status)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	for _, tc := range []struct {
		desc    string
		headers []string
	}{
		{"cross-site fetch metadata", []string{"Sec-Fetch-Site", "cross-site"}},
		{"same-site but other origin", []string{"Sec-Fetch-Site", "same-site"}},
		{"foreign Origin", []string{"Origin", "https://evil.example"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			res := e.post(c, "/developer/api-keys", url.Values{"name": {"Stolen"}, "permission": {"write"}}, tc.headers...)
			if res.status != http.StatusForbidden {
				t.Fatalf("create: status %d, want 403", res.status)
			}
			if keyRE.MatchString(res.body) {
				t.Fatal("a key was shown to a cross-origin request")
			}
			if res := e.post(c, "/developer/login", url.Values{"password": {password}}, tc.headers...); res.status != http.StatusForbidden {
				t.Errorf("login: status %d, want 403", res.status)
			}
		})
	}
	if n := len(e.listKeys()); n != 0 {
		t.Fatalf("%d keys created by cross-origin requests", n)
	}
	// The browser's own same-origin form post is accepted.
	res := e.post(c, "/developer/api-keys", url.Values{"name": {"Mine"}, "permission": {"read"}},
		"Sec-Fetch-Site", "same-origin", "Origin", e.srv.URL)
	if res.status != http.StatusCreated {
		t.Fatalf("same-origin create: status %d", res.status)
	}
}

func TestNoKeyInLogs(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	key := e.createKey(c, "Logged?", "write", "")
	k := e.listKeys()[0]
	e.post(c, "/developer/api-keys/"+k.ID+"/revoke", nil)
	logs := e.logs.String()
	if !strings.Contains(logs, "api key created") || !strings.Contains(logs, "api key revoked") || !strings.Contains(logs, k.ID) {
		t.Fatalf("the log does not record the creation and revocation:\n%s", logs)
	}
	secret := key[len(k.Prefix)+1:]
	if strings.Contains(logs, key) || strings.Contains(logs, secret) || strings.Contains(logs, password) {
		t.Fatalf("the log holds a key or the password:\n%s", logs)
	}
}

func TestAssetsAndUnknownPaths(t *testing.T) {
	e := newEnv(t, false)
	c := e.client()
	page := e.get(c, "/developer/login")
	css := regexp.MustCompile(`href="(/developer/assets/app\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(page.body)
	if css == nil {
		t.Fatal("the page links no stylesheet")
	}
	res := e.get(c, css[1])
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") || !strings.Contains(res.body, ".table") {
		t.Fatalf("stylesheet: status %d, type %q", res.status, res.header.Get("Content-Type"))
	}
	if res := e.get(c, "/developer/assets/app.js"); res.status != http.StatusOK || !strings.Contains(res.body, "navigator.clipboard") {
		t.Fatalf("script: status %d", res.status)
	}
	if res := e.get(c, "/developer/nothing-here"); res.status != http.StatusNotFound {
		t.Errorf("unknown path: status %d, want 404", res.status)
	}
	if res := e.get(c, "/developer/"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/developer/api-keys" {
		t.Errorf("/developer/: status %d, Location %q", res.status, res.header.Get("Location"))
	}
}
