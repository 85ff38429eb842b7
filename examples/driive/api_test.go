package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
)

// TestAPI runs the example's HTTP contract (docs/example-server.md) on
// every database. The
// subtests share one server and use an organization each.
func TestAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, db string) {
		a := newTestAPI(t, db)
		t.Run("healthz", func(t *testing.T) { testHealthz(t, a) })
		t.Run("authentication", func(t *testing.T) { testAuthentication(t, a) })
		t.Run("contacts", func(t *testing.T) { testContacts(t, a) })
		t.Run("appointments", func(t *testing.T) { testAppointments(t, a) })
		t.Run("team members", func(t *testing.T) { testTeamMembers(t, a) })
		t.Run("availability", func(t *testing.T) { testAvailability(t, a) })
		t.Run("undecodable bodies", func(t *testing.T) { testUndecodable(t, a) })
		t.Run("validation", func(t *testing.T) { testValidation(t, a) })
		t.Run("pagination", func(t *testing.T) { testPagination(t, a) })
		t.Run("organizations are isolated", func(t *testing.T) { testIsolation(t, a) })
		t.Run("routing errors", func(t *testing.T) { testRouting(t, a) })
		t.Run("no key in the log", func(t *testing.T) { testLogHasNoKey(t, a) })
	})
}

func testHealthz(t *testing.T, a *testAPI) {
	if got := a.must(http.StatusOK, "", "GET", "/healthz", ""); got["status"] != "ok" {
		t.Fatalf("healthz: %v", got)
	}
}

func testAuthentication(t *testing.T, a *testAPI) {
	write := a.key("auth", apikey.Write)
	read := a.key("auth", apikey.Read)
	other := a.key("auth-other", apikey.Write)
	revoked := a.key("auth", apikey.Write)
	id, _ := apikey.Parse(revoked)
	if _, err := a.svc.Revoke(t.Context(), "auth", id); err != nil {
		t.Fatal(err)
	}
	const path = "/v1/organizations/auth/contacts"
	for _, tc := range []struct {
		desc, key, method string
		status            int
		code              string
	}{
		{"no key", "", "GET", 401, "missing_api_key"},
		{"not a key", "dk_nope", "GET", 401, "invalid_api_key"},
		{"revoked key", revoked, "GET", 401, "api_key_revoked"},
		{"key of another organization", other, "GET", 404, "not_found"},
		{"read key writing", read, "POST", 403, "insufficient_permission"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			problemOf(t, a.do(tc.key, tc.method, path, `{"name":"x"}`), tc.status, tc.code)
		})
	}
	t.Run("two Authorization headers", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", a.url+path, nil)
		req.Header.Add("Authorization", "Bearer "+read)
		req.Header.Add("Authorization", "Bearer "+read)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		problemOf(t, response{res.StatusCode, res.Header, b}, 400, "invalid_request")
	})
	t.Run("read key reading", func(t *testing.T) { a.must(200, read, "GET", path, "") })
	t.Run("write key writing", func(t *testing.T) { a.must(201, write, "POST", path, `{"name":"Ada"}`) })
	t.Run("HEAD with a read key", func(t *testing.T) {
		if r := a.do(read, "HEAD", path, ""); r.status != 200 {
			t.Fatalf("HEAD: %d", r.status)
		}
	})
}

func testContacts(t *testing.T, a *testAPI) {
	k := a.key("contacts", apikey.Write)
	const base = "/v1/organizations/contacts/contacts"
	start := time.Now().Add(-time.Second)
	c := a.must(201, k, "POST", base, `{"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0000"}`)
	wantKeys(t, c, "id", "name", "email", "phone", "created_at", "updated_at")
	if c["name"] != "Ada Lovelace" || c["email"] != "ada@example.com" || c["phone"] != "+44 20 7946 0000" {
		t.Fatalf("created: %v", c)
	}
	created := mustTime(t, c["created_at"])
	if created.Before(start) || created.After(time.Now().Add(time.Second)) || c["updated_at"] != c["created_at"] {
		t.Fatalf("created_at %v / updated_at %v", c["created_at"], c["updated_at"])
	}
	id := c["id"].(string)
	if d := cmp.Diff(c, a.must(200, k, "GET", base+"/"+id, "")); d != "" {
		t.Fatalf("GET differs from what POST answered (-want +got):\n%s", d)
	}
	// Merge patch: a missing member stays, null clears an optional one.
	p := a.must(200, k, "PATCH", base+"/"+id, `{"email":null,"phone":"555-0100"}`)
	if p["name"] != "Ada Lovelace" || p["email"] != nil || p["phone"] != "555-0100" || p["created_at"] != c["created_at"] {
		t.Fatalf("patched: %v", p)
	}
	if !mustTime(t, p["updated_at"]).After(created) {
		t.Fatalf("updated_at %v not after created_at %v", p["updated_at"], c["created_at"])
	}
	if got := a.must(200, k, "PATCH", base+"/"+id, `{}`); got["phone"] != "555-0100" || got["name"] != "Ada Lovelace" {
		t.Fatalf("empty patch changed the contact: %v", got)
	}
	if got := a.must(200, k, "GET", base+"/"+id, ""); got["email"] != nil || got["phone"] != "555-0100" {
		t.Fatalf("GET after PATCH: %v", got)
	}
	a.must(204, k, "DELETE", base+"/"+id, "")
	problemOf(t, a.do(k, "GET", base+"/"+id, ""), 404, "not_found")
	problemOf(t, a.do(k, "PATCH", base+"/"+id, `{"name":"x"}`), 404, "not_found")
	problemOf(t, a.do(k, "DELETE", base+"/"+id, ""), 404, "not_found")
	if got := a.must(201, k, "POST", base, `{"name":"Bob"}`); got["email"] != nil || got["phone"] != nil {
		t.Fatalf("optional members not null: %v", got)
	}
}

func testAppointments(t *testing.T, a *testAPI) {
	k := a.key("appts", apikey.Write)
	const base = "/v1/organizations/appts/appointments"
	contact := a.must(201, k, "POST", "/v1/organizations/appts/contacts", `{"name":"Grace"}`)["id"].(string)
	ap := a.must(201, k, "POST", base, fmt.Sprintf(
		`{"title":"Lesson","starts_at":"2030-05-01T10:00:00+02:00","ends_at":"2030-05-01T09:00:00Z","contact_id":%q,"notes":"bring the car"}`, contact))
	wantKeys(t, ap, "id", "title", "starts_at", "ends_at", "contact_id", "team_member_id", "notes", "created_at", "updated_at")
	if ap["starts_at"] != "2030-05-01T08:00:00Z" || ap["ends_at"] != "2030-05-01T09:00:00Z" ||
		ap["contact_id"] != contact || ap["notes"] != "bring the car" || ap["title"] != "Lesson" {
		t.Fatalf("created: %v", ap)
	}
	id := ap["id"].(string)
	if d := cmp.Diff(ap, a.must(200, k, "GET", base+"/"+id, "")); d != "" {
		t.Fatalf("GET differs from what POST answered (-want +got):\n%s", d)
	}
	p := a.must(200, k, "PATCH", base+"/"+id, `{"notes":null,"ends_at":"2030-05-01T10:30:00Z"}`)
	if p["notes"] != nil || p["ends_at"] != "2030-05-01T10:30:00Z" || p["starts_at"] != ap["starts_at"] || p["contact_id"] != contact {
		t.Fatalf("patched: %v", p)
	}
	// ends_at after starts_at holds for the merged object.
	r := a.do(k, "PATCH", base+"/"+id, `{"starts_at":"2030-05-01T11:00:00Z"}`)
	wantFields(t, problemOf(t, r, 422, "validation_failed"), "ends_at")
	// Deleting the contact clears it from the appointment.
	a.must(204, k, "DELETE", "/v1/organizations/appts/contacts/"+contact, "")
	if got := a.must(200, k, "GET", base+"/"+id, ""); got["contact_id"] != nil {
		t.Fatalf("contact_id after the contact was deleted: %v", got["contact_id"])
	}
	a.must(204, k, "DELETE", base+"/"+id, "")
	problemOf(t, a.do(k, "GET", base+"/"+id, ""), 404, "not_found")
}

func testUndecodable(t *testing.T, a *testAPI) {
	k := a.key("bodies", apikey.Write)
	contact := a.must(201, k, "POST", "/v1/organizations/bodies/contacts", `{"name":"Ada"}`)["id"].(string)
	big := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
	for _, tc := range []struct{ desc, body string }{
		{"empty", ""},
		{"not JSON", `name=Ada`},
		{"truncated JSON", `{"name":"Ada"`},
		{"an array", `[{"name":"Ada"}]`},
		{"a string", `"Ada"`},
		{"null", `null`},
		{"wrong type", `{"name":42}`},
		{"object for a string", `{"name":{"first":"Ada"}}`},
		{"unknown member", `{"name":"Ada","nickname":"A"}`},
		{"member in another case", `{"Name":"Ada"}`},
		{"two objects", `{"name":"Ada"}{"name":"Bob"}`},
		{"over 1 MiB", big},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			for _, req := range []struct{ method, path string }{
				{"POST", "/v1/organizations/bodies/contacts"},
				{"PATCH", "/v1/organizations/bodies/contacts/" + contact},
				{"POST", "/v1/organizations/bodies/appointments"},
			} {
				problemOf(t, a.do(k, req.method, req.path, tc.body), 400, "invalid_request")
			}
		})
	}
	if got := a.must(200, k, "GET", "/v1/organizations/bodies/contacts/"+contact, ""); got["name"] != "Ada" {
		t.Fatalf("a refused PATCH changed the contact: %v", got)
	}
}

func testValidation(t *testing.T, a *testAPI) {
	k := a.key("rules", apikey.Write)
	other := a.key("rules-other", apikey.Write)
	foreign := a.must(201, other, "POST", "/v1/organizations/rules-other/contacts", `{"name":"Eve"}`)["id"].(string)
	contact := a.must(201, k, "POST", "/v1/organizations/rules/contacts", `{"name":"Ada"}`)["id"].(string)
	appt := a.must(201, k, "POST", "/v1/organizations/rules/appointments",
		`{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z"}`)["id"].(string)
	const when = `"starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z"`
	for _, tc := range []struct {
		desc, method, path, body string
		fields                   []string
	}{
		{"contact without name", "POST", "contacts", `{"email":"a@example.com"}`, []string{"name"}},
		{"contact with null name", "POST", "contacts", `{"name":null}`, []string{"name"}},
		{"contact with blank name", "POST", "contacts", `{"name":"   "}`, []string{"name"}},
		{"contact with long name", "POST", "contacts", `{"name":"` + strings.Repeat("n", 201) + `"}`, []string{"name"}},
		{"bad email and phone", "POST", "contacts", `{"name":"A","email":"nope","phone":"call me"}`, []string{"email", "phone"}},
		{"read-only id", "POST", "contacts", `{"name":"A","id":"ct_x"}`, []string{"id"}},
		{"patch clears name", "PATCH", "contacts/" + contact, `{"name":null}`, []string{"name"}},
		{"appointment without anything", "POST", "appointments", `{}`, []string{"title", "starts_at", "ends_at"}},
		{"ends before it starts", "POST", "appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T09:00:00Z"}`, []string{"ends_at"}},
		{"ends when it starts", "POST", "appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T10:00:00Z"}`, []string{"ends_at"}},
		{"time not RFC 3339", "POST", "appointments", `{"title":"T","starts_at":"tomorrow","ends_at":"2030-01-01T10:00:00Z"}`, []string{"starts_at"}},
		{"unknown contact", "POST", "appointments", `{"title":"T",` + when + `,"contact_id":"ct_nope"}`, []string{"contact_id"}},
		{"contact of another organization", "POST", "appointments", `{"title":"T",` + when + `,"contact_id":"` + foreign + `"}`, []string{"contact_id"}},
		{"patch to another organization's contact", "PATCH", "appointments/" + appt, `{"contact_id":"` + foreign + `"}`, []string{"contact_id"}},
		{"patch clears title", "PATCH", "appointments/" + appt, `{"title":null}`, []string{"title"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := a.do(k, tc.method, "/v1/organizations/rules/"+tc.path, tc.body)
			wantFields(t, problemOf(t, r, 422, "validation_failed"), tc.fields...)
		})
	}
	if got := a.must(200, k, "GET", "/v1/organizations/rules/appointments/"+appt, ""); got["contact_id"] != nil || got["title"] != "T" {
		t.Fatalf("a refused PATCH changed the appointment: %v", got)
	}
}

func testPagination(t *testing.T, a *testAPI) {
	k := a.key("pages", apikey.Write)
	const base = "/v1/organizations/pages/contacts"
	var ids []string
	for i := range 53 {
		ids = append(ids, a.must(201, k, "POST", base, fmt.Sprintf(`{"name":"c%02d"}`, i))["id"].(string))
	}
	// Default limit 50, oldest first.
	first := a.must(200, k, "GET", base, "")
	if got := listIDs(t, first); !slices.Equal(got, ids[:50]) {
		t.Fatalf("default page: %d ids, want the first 50 in creation order", len(got))
	}
	next, ok := first["next_cursor"].(string)
	if !ok || next == "" {
		t.Fatalf("next_cursor %v on a page with more after it", first["next_cursor"])
	}
	last := a.must(200, k, "GET", base+"?cursor="+url.QueryEscape(next), "")
	if got := listIDs(t, last); !slices.Equal(got, ids[50:]) || last["next_cursor"] != nil {
		t.Fatalf("last page: %v next_cursor %v", got, last["next_cursor"])
	}
	// Walking with limit 10 returns everything once, in order.
	var walked []string
	cursor := ""
	for pages := 0; ; pages++ {
		p := a.must(200, k, "GET", base+"?limit=10&cursor="+url.QueryEscape(cursor), "")
		walked = append(walked, listIDs(t, p)...)
		if p["next_cursor"] == nil {
			break
		}
		cursor = p["next_cursor"].(string)
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(walked, ids) {
		t.Fatalf("walked %d ids, want %d in order", len(walked), len(ids))
	}
	// A page that is exactly full is the last one when nothing follows.
	if p := a.must(200, k, "GET", base+"?limit=3&cursor="+url.QueryEscape(cursorAfter(t, a, k, base, 50)), ""); p["next_cursor"] != nil || len(listIDs(t, p)) != 3 {
		t.Fatalf("exactly full last page: %v", p)
	}
	if p := a.must(200, k, "GET", base+"?limit=100", ""); len(listIDs(t, p)) != 53 || p["next_cursor"] != nil {
		t.Fatalf("limit=100: %d ids", len(listIDs(t, p)))
	}
	tampered := []byte(next)
	tampered[3] ^= 1
	otherOrg := a.key("pages-other", apikey.Read)
	for _, tc := range []struct{ desc, key, path string }{
		{"limit 0", k, base + "?limit=0"},
		{"limit 101", k, base + "?limit=101"},
		{"limit -1", k, base + "?limit=-1"},
		{"limit not a number", k, base + "?limit=ten"},
		{"limit empty", k, base + "?limit="},
		{"cursor not issued", k, base + "?cursor=abc"},
		{"cursor tampered", k, base + "?cursor=" + url.QueryEscape(string(tampered))},
		{"cursor of another list", k, "/v1/organizations/pages/appointments?cursor=" + url.QueryEscape(next)},
		{"cursor of another organization", otherOrg, "/v1/organizations/pages-other/contacts?cursor=" + url.QueryEscape(next)},
	} {
		t.Run(tc.desc, func(t *testing.T) { problemOf(t, a.do(tc.key, "GET", tc.path, ""), 400, "invalid_request") })
	}
	if p := a.must(200, k, "GET", "/v1/organizations/pages/appointments", ""); len(listIDs(t, p)) != 0 || p["next_cursor"] != nil {
		t.Fatalf("empty list: %v", p)
	}
}

// cursorAfter returns the cursor after the first n items of a list.
func cursorAfter(t *testing.T, a *testAPI, key, base string, n int) string {
	t.Helper()
	p := a.must(200, key, "GET", fmt.Sprintf("%s?limit=%d", base, n), "")
	c, ok := p["next_cursor"].(string)
	if !ok {
		t.Fatalf("no cursor after %d items", n)
	}
	return c
}

func testIsolation(t *testing.T, a *testAPI) {
	ka := a.key("org-a", apikey.Write)
	kb := a.key("org-b", apikey.Write)
	for _, kind := range []struct{ coll, body string }{
		{"contacts", `{"name":"Secret"}`},
		{"appointments", `{"title":"Secret","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z"}`},
	} {
		t.Run(kind.coll, func(t *testing.T) {
			id := a.must(201, ka, "POST", "/v1/organizations/org-a/"+kind.coll, kind.body)["id"].(string)
			// B's key on A's path: refused by the middleware.
			problemOf(t, a.do(kb, "GET", "/v1/organizations/org-a/"+kind.coll+"/"+id, ""), 404, "not_found")
			// B's key on B's path with A's id: not found, unchanged.
			for _, m := range []string{"GET", "PATCH", "DELETE"} {
				problemOf(t, a.do(kb, m, "/v1/organizations/org-b/"+kind.coll+"/"+id, `{}`), 404, "not_found")
			}
			if got := listIDs(t, a.must(200, kb, "GET", "/v1/organizations/org-b/"+kind.coll, "")); slices.Contains(got, id) {
				t.Fatalf("org-b lists org-a's %s", id)
			}
			a.must(200, ka, "GET", "/v1/organizations/org-a/"+kind.coll+"/"+id, "")
		})
	}
}

func testRouting(t *testing.T, a *testAPI) {
	k := a.key("routes", apikey.Write)
	r := a.do(k, "PUT", "/v1/organizations/routes/contacts", `{}`)
	problemOf(t, r, 405, "method_not_allowed")
	if r.header.Get("Allow") == "" {
		t.Fatal("405 without Allow")
	}
	problemOf(t, a.do(k, "POST", "/v1/organizations/routes/appointments/ap_x", `{}`), 405, "method_not_allowed")
	problemOf(t, a.do(k, "GET", "/v1/organizations/routes/invoices", ""), 404, "not_found")
	problemOf(t, a.do("", "GET", "/nope", ""), 404, "not_found")
}

func testLogHasNoKey(t *testing.T, a *testAPI) {
	k := a.key("logs", apikey.Write)
	a.must(200, k, "GET", "/v1/organizations/logs/contacts", "")
	a.do(k, "GET", "/v1/organizations/logs/contacts/"+k, "")     // a key pasted into a path
	a.do(k, "GET", "/v1/organizations/logs/contacts?key="+k, "") // and into a query
	a.do(k+"x", "GET", "/v1/organizations/logs/contacts", "")
	logs := a.logs.String()
	if !strings.Contains(logs, "/v1/organizations/logs/contacts") {
		t.Fatalf("requests were not logged:\n%s", logs)
	}
	id, _ := apikey.Parse(k)
	if !strings.Contains(logs, "key_id="+id) {
		t.Fatalf("the request log does not name the key id %s", id)
	}
	if strings.Contains(logs, k[len("dk_")+apikey.IDLen+1:]) || keyText.MatchString(logs) || strings.Contains(logs, "Bearer") {
		t.Fatalf("the log holds a key:\n%s", logs)
	}
}

func wantKeys(t *testing.T, obj map[string]any, keys ...string) {
	t.Helper()
	got := make([]string, 0, len(obj))
	for k := range obj {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Clone(keys)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("members %v, want %v", got, want)
	}
}

// wantFields checks that a 422 problem names exactly these fields, in its
// errors list and in its detail.
func wantFields(t *testing.T, p map[string]any, fields ...string) {
	t.Helper()
	errs, _ := p["errors"].([]any)
	var got []string
	for _, e := range errs {
		got = append(got, e.(map[string]any)["field"].(string))
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("fields %v, want %v (%v)", got, fields, p)
	}
	for _, f := range fields {
		if !strings.Contains(p["detail"].(string), f) {
			t.Fatalf("detail %q does not name %s", p["detail"], f)
		}
	}
}

func listIDs(t *testing.T, page map[string]any) []string {
	t.Helper()
	data, ok := page["data"].([]any)
	if !ok {
		t.Fatalf("list without a data array: %v", page)
	}
	ids := []string{}
	for _, d := range data {
		ids = append(ids, d.(map[string]any)["id"].(string))
	}
	return ids
}

func mustTime(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Fatalf("%v is not an RFC 3339 UTC time", v)
	}
	return tm
}
