package keyadmin_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/keyadmin"
)

func TestAPICreateShowsTheKeyOnce(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("alice", "POST", api+"/api-keys", `{"name":"CRM Sync","permission":"write","expires_at":"2026-06-01T00:00:00Z"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	k := r.json(t)
	key, _ := k["key"].(string)
	if !apikey.Pattern.MatchString(key) {
		t.Fatalf("key %q does not match the key format", key)
	}
	if !e.authenticates(key) {
		t.Error("the created key does not authenticate")
	}
	for _, m := range []string{"id", "prefix", "name", "permission", "created_at", "expires_at", "last_used_at", "revoked_at", "created_by"} {
		if _, ok := k[m]; !ok {
			t.Errorf("the key object has no %q member: %v", m, k)
		}
	}
	if k["name"] != "CRM Sync" || k["permission"] != "write" || k["expires_at"] != "2026-06-01T00:00:00Z" {
		t.Errorf("key object %v", k)
	}
	if k["prefix"] != "dk_"+k["id"].(string) {
		t.Errorf("prefix %v for id %v", k["prefix"], k["id"])
	}

	// Nowhere else: not in get, not in the list.
	got := e.do("alice", "GET", api+"/api-keys/"+k["id"].(string), "")
	list := e.do("alice", "GET", api+"/api-keys", "")
	for _, r := range []response{got, list} {
		if r.status != 200 || strings.Contains(r.body, key) || strings.Contains(r.body, `"key"`) {
			t.Errorf("status %d, body %s: want 200 without the key", r.status, r.body)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", r.header.Get("Cache-Control"))
		}
	}
}

func TestAPIListPagesOldestFirst(t *testing.T) {
	e := newEnv(t, nil)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.createKey(fmt.Sprintf("key %d", i))["id"].(string))
		e.clock.Advance(time.Second)
	}
	e.must(201, "admin", "POST", "/admin/v1/organizations/other/api-keys", `{"name":"theirs","permission":"read"}`)

	var seen []string
	path := api + "/api-keys?limit=2"
	for range 10 {
		page := e.must(200, "viewer", "GET", path, "")
		for _, k := range page["data"].([]any) {
			seen = append(seen, k.(map[string]any)["id"].(string))
		}
		next, ok := page["next_cursor"].(string)
		if !ok {
			if page["next_cursor"] != nil {
				t.Fatalf("next_cursor %v, want a string or null", page["next_cursor"])
			}
			break
		}
		path = api + "/api-keys?limit=2&cursor=" + next
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Errorf("pages gave %v, want %v (oldest first, this organization only)", seen, ids)
	}
	if n := len(e.must(200, "viewer", "GET", api+"/api-keys", "")["data"].([]any)); n != 5 {
		t.Errorf("default page holds %d keys, want all 5", n)
	}
}

func TestAPIListBadInput(t *testing.T) {
	e := newEnv(t, nil)
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "limit=", "limit=-1", "cursor=nope", "cursor=" + strings.Repeat("A", 100)} {
		problemOf(t, e.do("alice", "GET", api+"/api-keys?"+q, ""), 400, middleware.CodeInvalidRequest)
	}
	if got := e.must(200, "alice", "GET", api+"/api-keys?limit=100", ""); got["next_cursor"] != nil {
		t.Errorf("next_cursor %v on the only page", got["next_cursor"])
	}
}

func TestAPIGet(t *testing.T) {
	e := newEnv(t, nil)
	k := e.createKey("one")
	id := k["id"].(string)
	for _, ref := range []string{id, "dk_" + id} {
		got := e.must(200, "viewer", "GET", api+"/api-keys/"+ref, "")
		if got["id"] != id || got["name"] != "one" {
			t.Errorf("GET %s: %v", ref, got)
		}
	}
	problemOf(t, e.do("viewer", "GET", api+"/api-keys/AAAAAAAAAAAA", ""), 404, keyadmin.CodeNotFound)
	problemOf(t, e.do("viewer", "GET", api+"/api-keys/not-a-key", ""), 404, keyadmin.CodeNotFound)
	// A key of acme, asked for under another organization, is not found
	// there even by the admin, who may see both.
	problemOf(t, e.do("admin", "GET", "/admin/v1/organizations/other/api-keys/"+id, ""), 404, keyadmin.CodeNotFound)
}

func TestAPICreateValidation(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct{ desc, body, field string }{
		{"no name", `{"permission":"read"}`, "name"},
		{"empty name", `{"name":"","permission":"read"}`, "name"},
		{"long name", `{"name":"` + strings.Repeat("x", 101) + `","permission":"read"}`, "name"},
		{"control character", `{"name":"a\u0007b","permission":"read"}`, "name"},
		{"no permission", `{"name":"n"}`, "permission"},
		{"bad permission", `{"name":"n","permission":"admin"}`, "permission"},
		{"past expiry", `{"name":"n","permission":"read","expires_at":"2020-01-01T00:00:00Z"}`, "expires_at"},
		{"expiry now", `{"name":"n","permission":"read","expires_at":"2026-03-01T12:00:00Z"}`, "expires_at"},
		{"far expiry", `{"name":"n","permission":"read","expires_at":"2099-01-01T00:00:00Z"}`, "expires_at"},
		{"date only", `{"name":"n","permission":"read","expires_at":"2027-01-01"}`, "expires_at"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			p := problemOf(t, e.do("alice", "POST", api+"/api-keys", tc.body), 422, keyadmin.CodeValidationFailed)
			errs, _ := p["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
				t.Errorf("errors %v, want one naming %q", p["errors"], tc.field)
			}
		})
	}
	if n := len(e.must(200, "alice", "GET", api+"/api-keys", "")["data"].([]any)); n != 0 {
		t.Errorf("%d keys were created by refused requests", n)
	}
}

func TestAPIBadBodies(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct{ desc, body string }{
		{"not JSON", `name=x`},
		{"array", `[]`},
		{"wrong type", `{"name":1,"permission":"read"}`},
		{"unknown member", `{"name":"n","permission":"read","owner":"me"}`},
		{"two values", `{"name":"n","permission":"read"}{}`},
		{"invalid UTF-8", "{\"name\":\"\xff\",\"permission\":\"read\"}"},
		{"too large", `{"name":"` + strings.Repeat("x", 70<<10) + `"}`},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			problemOf(t, e.do("alice", "POST", api+"/api-keys", tc.body), 400, middleware.CodeInvalidRequest)
		})
	}
	r := e.do("alice", "POST", api+"/api-keys", `{"name":"n","permission":"read"}`, "Content-Type", "text/plain")
	problemOf(t, r, 415, middleware.CodeInvalidRequest)
	problemOf(t, e.do("alice", "POST", api+"/api-keys", ""), 400, middleware.CodeInvalidRequest)
}

func TestAPIRotate(t *testing.T) {
	e := newEnv(t, nil)
	old := e.createKey("rotating")
	id := old["id"].(string)
	r := e.do("alice", "POST", api+"/api-keys/"+id+"/rotate", `{"grace":"1h"}`)
	if r.status != 201 || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotate: %d %q %s", r.status, r.header.Get("Cache-Control"), r.body)
	}
	n := r.json(t)
	if n["id"] == id || n["name"] != "rotating" || !apikey.Pattern.MatchString(n["key"].(string)) {
		t.Errorf("rotate answered %v", n)
	}
	if !e.authenticates(n["key"].(string)) || !e.authenticates(old["key"].(string)) {
		t.Error("after rotation with grace both keys should work")
	}
	got := e.must(200, "alice", "GET", api+"/api-keys/"+id, "")
	if got["expires_at"] != "2026-03-01T13:00:00Z" {
		t.Errorf("old key expires %v, want the end of the 1h grace", got["expires_at"])
	}
	e.clock.Advance(time.Hour)
	if e.authenticates(old["key"].(string)) {
		t.Error("the old key works after its grace period")
	}

	// No body: the default grace of 24 hours.
	k2 := e.createKey("default grace")
	e.must(201, "alice", "POST", api+"/api-keys/"+k2["id"].(string)+"/rotate", "")
	got = e.must(200, "alice", "GET", api+"/api-keys/"+k2["id"].(string), "")
	if got["expires_at"] != "2026-03-02T13:00:00Z" {
		t.Errorf("old key expires %v, want 24 hours after the rotation", got["expires_at"])
	}

	for _, body := range []string{`{"grace":"soon"}`, `{"grace":"-1h"}`, `{"grace":"9999h"}`, `{"expires_at":"yesterday"}`} {
		problemOf(t, e.do("alice", "POST", api+"/api-keys/"+n["id"].(string)+"/rotate", body), 422, keyadmin.CodeValidationFailed)
	}
	problemOf(t, e.do("alice", "POST", api+"/api-keys/"+n["id"].(string)+"/rotate", `{"grace":1}`), 400, middleware.CodeInvalidRequest)
	problemOf(t, e.do("alice", "POST", api+"/api-keys/AAAAAAAAAAAA/rotate", ""), 404, keyadmin.CodeNotFound)

	e.must(200, "alice", "POST", api+"/api-keys/"+n["id"].(string)+"/revoke", "")
	problemOf(t, e.do("alice", "POST", api+"/api-keys/"+n["id"].(string)+"/rotate", ""), 409, middleware.CodeAPIKeyRevoked)
	problemOf(t, e.do("alice", "POST", api+"/api-keys/"+id+"/rotate", ""), 409, middleware.CodeAPIKeyExpired)
}

func TestAPIRevoke(t *testing.T) {
	e := newEnv(t, nil)
	k := e.createKey("doomed")
	id := k["id"].(string)
	got := e.must(200, "alice", "POST", api+"/api-keys/"+id+"/revoke", "")
	if got["revoked_at"] != "2026-03-01T12:00:00Z" || got["id"] != id {
		t.Errorf("revoke answered %v", got)
	}
	if e.authenticates(k["key"].(string)) {
		t.Error("the revoked key still works")
	}
	e.clock.Advance(time.Minute)
	again := e.must(200, "alice", "POST", api+"/api-keys/"+id+"/revoke", "")
	if again["revoked_at"] != got["revoked_at"] {
		t.Errorf("a second revoke moved revoked_at to %v", again["revoked_at"])
	}
	problemOf(t, e.do("alice", "POST", api+"/api-keys/AAAAAAAAAAAA/revoke", ""), 404, keyadmin.CodeNotFound)
	problemOf(t, e.do("alice", "POST", api+"/api-keys/"+id+"/revoke", `{"now":true}`), 400, middleware.CodeInvalidRequest)
}

func TestAPIRefusals(t *testing.T) {
	e := newEnv(t, nil)
	id := e.createKey("k")["id"].(string)
	routes := []struct{ method, path, body string }{
		{"GET", "/api-keys", ""},
		{"POST", "/api-keys", `{"name":"n","permission":"read"}`},
		{"GET", "/api-keys/" + id, ""},
		{"POST", "/api-keys/" + id + "/rotate", ""},
		{"POST", "/api-keys/" + id + "/revoke", ""},
		{"GET", "/audit-events", ""},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			r := e.do("", rt.method, api+rt.path, rt.body)
			problemOf(t, r, 401, middleware.CodeMissingAPIKey)
			if got := r.header.Get("WWW-Authenticate"); got != `Basic realm="admin"` {
				t.Errorf("WWW-Authenticate %q", got)
			}
			problemOf(t, e.do("nobody", rt.method, api+rt.path, rt.body), 401, middleware.CodeMissingAPIKey)
			// alice may do everything in acme, nothing elsewhere.
			problemOf(t, e.do("alice", rt.method, "/admin/v1/organizations/other"+rt.path, rt.body), 403, keyadmin.CodeForbidden)
			problemOf(t, e.do("alice", rt.method, "/admin/v1/organizations/bad%20org"+rt.path, rt.body), 404, keyadmin.CodeNotFound)
			if rt.method == "POST" {
				problemOf(t, e.do("viewer", rt.method, api+rt.path, rt.body), 403, keyadmin.CodeForbidden)
				// Another site's page may not change keys, whoever is signed in.
				problemOf(t, e.do("admin", rt.method, api+rt.path, rt.body, "Sec-Fetch-Site", "cross-site"), 403, keyadmin.CodeForbidden)
				problemOf(t, e.do("admin", rt.method, api+rt.path, rt.body, "Origin", "https://evil.example"), 403, keyadmin.CodeForbidden)
			}
		})
	}
	if k := e.must(200, "alice", "GET", api+"/api-keys/"+id, ""); k["revoked_at"] != nil {
		t.Error("a refused revoke revoked the key")
	}
	if n := len(e.must(200, "alice", "GET", api+"/api-keys", "")["data"].([]any)); n != 1 {
		t.Errorf("%d keys after refused creates, want 1", n)
	}
	// Same origin, and a script with no browser headers, pass.
	e.must(201, "alice", "POST", api+"/api-keys", `{"name":"same origin","permission":"read"}`)
	if r := e.do("alice", "POST", api+"/api-keys", `{"name":"fetch","permission":"read"}`, "Sec-Fetch-Site", "same-origin"); r.status != 201 {
		t.Errorf("same-origin fetch: %d", r.status)
	}
}

func TestAPIUnknownRoutesAndMethods(t *testing.T) {
	e := newEnv(t, nil)
	id := e.createKey("k")["id"].(string)
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/api-keys", "GET, HEAD, POST"},
		{"PUT", "/api-keys/" + id, "GET, HEAD"},
		{"GET", "/api-keys/" + id + "/rotate", "POST"},
		{"GET", "/api-keys/" + id + "/revoke", "POST"},
		{"POST", "/audit-events", "GET, HEAD"},
	} {
		r := e.do("alice", tc.method, api+tc.path, "")
		problemOf(t, r, 405, middleware.CodeInvalidRequest)
		if r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, r.header.Get("Allow"), tc.allow)
		}
	}
	for _, p := range []string{"/", "/keys", "/api-keys/" + id + "/delete", "/api-keys/" + id + "/rotate/x"} {
		problemOf(t, e.do("alice", "GET", api+p, ""), 404, keyadmin.CodeNotFound)
	}
}

func TestAPISecurityHeaders(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do("alice", "GET", api+"/api-keys", "")
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", r.header.Get("Content-Security-Policy"))
	}
}

// A Handler mounted whole serves the API under its api/ segment.
func TestWholeHandlerMount(t *testing.T) {
	e := newEnv(t, nil)
	e.must(201, "alice", "POST", "/whole/acme/keys/api/api-keys", `{"name":"n","permission":"read"}`)
	if n := len(e.must(200, "alice", "GET", api+"/api-keys", "")["data"].([]any)); n != 1 {
		t.Errorf("%d keys, want 1", n)
	}
	r := e.do("alice", "GET", "/whole/acme/keys/", "")
	if r.status != 200 || !strings.Contains(r.body, `action="/whole/acme/keys"`) {
		t.Errorf("page under the whole mount: %d, links %v", r.status, strings.Contains(r.body, "/whole/acme/keys"))
	}
}

func TestNewValidates(t *testing.T) {
	e := newEnv(t, nil)
	for _, cfg := range []keyadmin.Config{
		{},
		{Service: e.svc},
		{Service: e.svc, Actor: testActor},
		{Service: e.svc, Actor: testActor, Authorize: testAuthorize, Challenge: "Basic\n"},
	} {
		if _, err := keyadmin.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
