package main

import (
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/google/go-cmp/cmp"
)

func testTeamMembers(t *testing.T, a *testAPI) {
	k := a.key("team", apikey.Write)
	const org = "/v1/organizations/team/"
	const hours = `[{"day":"mon","start":"09:00","end":"12:00"},{"day":"mon","start":"13:00","end":"17:30"},{"day":"sat","start":"10:00","end":"24:00"}]`
	m := a.must(201, k, "POST", org+"team-members", `{"name":"Ines","email":"ines@example.com","role":"instructor","time_zone":"Europe/Paris","working_hours":`+hours+`}`)
	wantKeys(t, m, "id", "name", "email", "role", "time_zone", "working_hours", "created_at", "updated_at")
	if m["time_zone"] != "Europe/Paris" || len(m["working_hours"].([]any)) != 3 || !strings.HasPrefix(m["id"].(string), "tm_") {
		t.Fatalf("created: %v", m)
	}
	id := m["id"].(string)
	if got := a.must(200, k, "GET", org+"team-members/"+id, ""); !cmp.Equal(got, m) {
		t.Fatalf("GET: %s", cmp.Diff(m, got))
	}
	d := a.must(201, k, "POST", org+"team-members", `{"name":"Default"}`)
	if d["time_zone"] != "UTC" || d["email"] != nil || d["role"] != nil || len(d["working_hours"].([]any)) != 0 {
		t.Fatalf("defaults: %v", d)
	}
	// Merge patch: a missing member stays, null resets.
	p := a.must(200, k, "PATCH", org+"team-members/"+id, `{"role":null,"time_zone":"America/New_York"}`)
	if p["role"] != nil || p["time_zone"] != "America/New_York" || len(p["working_hours"].([]any)) != 3 || p["name"] != "Ines" {
		t.Fatalf("patched: %v", p)
	}
	p = a.must(200, k, "PATCH", org+"team-members/"+id, `{"working_hours":null}`)
	if len(p["working_hours"].([]any)) != 0 || p["time_zone"] != "America/New_York" {
		t.Fatalf("working_hours null: %v", p)
	}
	page := a.must(200, k, "GET", org+"team-members", "")
	if ids := listIDs(t, page); !cmp.Equal(ids, []string{id, d["id"].(string)}) {
		t.Fatalf("list: %v", ids)
	}

	// An appointment with the member; deleting the member clears it.
	ap := a.must(201, k, "POST", org+"appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","team_member_id":"`+id+`"}`)
	if ap["team_member_id"] != id {
		t.Fatalf("appointment: %v", ap)
	}
	a.must(204, k, "DELETE", org+"team-members/"+id, "")
	problemOf(t, a.do(k, "GET", org+"team-members/"+id, ""), 404, "not_found")
	if got := a.must(200, k, "GET", org+"appointments/"+ap["id"].(string), ""); got["team_member_id"] != nil {
		t.Fatalf("appointment after its member was deleted: %v", got)
	}

	// Rules.
	other := a.key("team-other", apikey.Write)
	foreign := a.must(201, other, "POST", "/v1/organizations/team-other/team-members", `{"name":"Eve"}`)["id"].(string)
	for _, tc := range []struct {
		desc, path, body string
		fields           []string
	}{
		{"no name", "team-members", `{"role":"x"}`, []string{"name"}},
		{"unknown time zone", "team-members", `{"name":"A","time_zone":"Mars/Olympus"}`, []string{"time_zone"}},
		{"Local time zone", "team-members", `{"name":"A","time_zone":"Local"}`, []string{"time_zone"}},
		{"bad day", "team-members", `{"name":"A","working_hours":[{"day":"monday","start":"09:00","end":"10:00"}]}`, []string{"working_hours"}},
		{"bad time", "team-members", `{"name":"A","working_hours":[{"day":"mon","start":"9:00","end":"10:00"}]}`, []string{"working_hours"}},
		{"25:00", "team-members", `{"name":"A","working_hours":[{"day":"mon","start":"09:00","end":"25:00"}]}`, []string{"working_hours"}},
		{"end before start", "team-members", `{"name":"A","working_hours":[{"day":"mon","start":"10:00","end":"09:00"}]}`, []string{"working_hours"}},
		{"empty interval", "team-members", `{"name":"A","working_hours":[{"day":"mon","start":"10:00","end":"10:00"}]}`, []string{"working_hours"}},
		{"overlap", "team-members", `{"name":"A","working_hours":[{"day":"tue","start":"09:00","end":"12:00"},{"day":"tue","start":"11:59","end":"13:00"}]}`, []string{"working_hours"}},
		{"unknown member", "appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","team_member_id":"tm_nope"}`, []string{"team_member_id"}},
		{"member of another organization", "appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","team_member_id":"` + foreign + `"}`, []string{"team_member_id"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			wantFields(t, problemOf(t, a.do(k, "POST", org+tc.path, tc.body), 422, "validation_failed"), tc.fields...)
		})
	}
	// Adjacent intervals of one day and the same hours on other days are fine.
	a.must(201, k, "POST", org+"team-members", `{"name":"A","working_hours":[{"day":"tue","start":"09:00","end":"12:00"},{"day":"tue","start":"12:00","end":"13:00"},{"day":"wed","start":"09:00","end":"12:00"}]}`)
	for _, body := range []string{
		`{"name":"A","working_hours":{"day":"mon"}}`,
		`{"name":"A","working_hours":[{"day":"mon","start":"09:00"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","start":"09:00","end":"10:00","note":"x"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","start":9,"end":"10:00"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","day":"tue","start":"09:00","end":"10:00"}]}`,
		`{"name":"A","working_hours":["mon"]}`,
		`{"name":"A","time_zone":["UTC"]}`,
	} {
		problemOf(t, a.do(k, "POST", org+"team-members", body), 400, "invalid_request")
	}
}
