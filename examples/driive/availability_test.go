package main

import (
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/google/go-cmp/cmp"
)

// testAvailability runs the availability route on a real database: the
// slot computation itself is TestFreeSlots.
func testAvailability(t *testing.T, a *testAPI) {
	k := a.key("avail", apikey.Write)
	read := a.key("avail", apikey.Read)
	const org = "/v1/organizations/avail/"
	paris := a.must(201, k, "POST", org+"team-members", `{"name":"Paris","time_zone":"Europe/Paris",
		"working_hours":[{"day":"fri","start":"09:00","end":"17:00"},{"day":"mon","start":"09:00","end":"17:00"}]}`)["id"].(string)
	utc := a.must(201, k, "POST", org+"team-members", `{"name":"UTC","working_hours":[{"day":"mon","start":"08:00","end":"12:00"}]}`)["id"].(string)
	appt := func(member, starts, ends string) {
		a.must(201, k, "POST", org+"appointments", `{"title":"busy","starts_at":"`+starts+`","ends_at":"`+ends+`","team_member_id":"`+member+`"}`)
	}
	// An appointment splits Monday's interval; two adjacent ones leave no
	// gap between them; one without a member blocks nobody.
	appt(paris, "2030-04-01T10:00:00Z", "2030-04-01T11:00:00Z")
	appt(utc, "2030-04-01T09:00:00Z", "2030-04-01T10:00:00Z")
	appt(utc, "2030-04-01T10:00:00Z", "2030-04-01T11:00:00Z")
	a.must(201, k, "POST", org+"appointments", `{"title":"nobody's","starts_at":"2030-04-01T00:00:00Z","ends_at":"2030-04-02T00:00:00Z"}`)

	slots := func(key, query string) []slotJSON {
		t.Helper()
		page := a.must(200, key, "GET", org+"availability?"+query, "")
		var out []slotJSON
		for _, s := range page["data"].([]any) {
			m := s.(map[string]any)
			out = append(out, slotJSON{m["team_member_id"].(string), m["starts_at"].(string), m["ends_at"].(string)})
		}
		return out
	}
	// The clocks of Paris went forward on Sunday 2030-03-31: Friday's
	// 09:00 is 08:00Z, Monday's is 07:00Z.
	week := "from=2030-03-29T00:00:00Z&to=2030-04-02T00:00:00Z"
	want := []slotJSON{
		{paris, "2030-03-29T08:00:00Z", "2030-03-29T16:00:00Z"},
		{paris, "2030-04-01T07:00:00Z", "2030-04-01T10:00:00Z"},
		{paris, "2030-04-01T11:00:00Z", "2030-04-01T15:00:00Z"},
	}
	if got := slots(read, "team_member_id="+paris+"&"+week); !cmp.Equal(got, want) {
		t.Fatalf("Paris (-want +got):\n%s", cmp.Diff(want, got))
	}
	wantUTC := []slotJSON{{utc, "2030-04-01T08:00:00Z", "2030-04-01T09:00:00Z"}, {utc, "2030-04-01T11:00:00Z", "2030-04-01T12:00:00Z"}}
	if got := slots(read, "team_member_id="+utc+"&"+week); !cmp.Equal(got, wantUTC) {
		t.Fatalf("UTC (-want +got):\n%s", cmp.Diff(wantUTC, got))
	}
	// Every member's slots, ordered by start.
	all := []slotJSON{want[0], want[1], wantUTC[0], want[2], wantUTC[1]}
	if utc < paris { // two slots start at 11:00Z: the member id decides
		all[3], all[4] = all[4], all[3]
	}
	if got := slots(k, week); !cmp.Equal(got, all) {
		t.Fatalf("everyone (-want +got):\n%s", cmp.Diff(all, got))
	}
	// The default duration is 30 minutes; a longer one than any gap
	// leaves nothing.
	if got := slots(read, "team_member_id="+utc+"&"+week+"&duration=61m"); len(got) != 0 {
		t.Fatalf("duration longer than any gap: %v", got)
	}
	if got := slots(read, "team_member_id="+paris+"&"+week+"&duration=4h"); !cmp.Equal(got, []slotJSON{want[0], want[2]}) {
		t.Fatalf("4h slots: %v", got)
	}
	// 31 days is the longest range: five Fridays and four Mondays (March 2030 starts on a Friday).
	if got := slots(read, "team_member_id="+paris+"&from=2030-03-01T00:00:00Z&to=2030-04-01T00:00:00Z"); len(got) != 9 {
		t.Fatalf("31 days: %d slots: %v", len(got), got)
	}

	other := a.key("avail-other", apikey.Read)
	foreign := a.must(201, a.key("avail-other", apikey.Write), "POST", "/v1/organizations/avail-other/team-members", `{"name":"Eve"}`)["id"].(string)
	for _, tc := range []struct{ desc, query, param string }{
		{"no from", "to=2030-04-02T00:00:00Z", "from"},
		{"no to", "from=2030-04-02T00:00:00Z", "to"},
		{"from not a time", "from=monday&to=2030-04-02T00:00:00Z", "from"},
		{"to not a time", "from=2030-04-01T00:00:00Z&to=2030-04-02", "to"},
		{"to before from", "from=2030-04-02T00:00:00Z&to=2030-04-01T00:00:00Z", "to"},
		{"to equal to from", "from=2030-04-02T00:00:00Z&to=2030-04-02T00:00:00Z", "to"},
		{"more than 31 days", "from=2030-03-01T00:00:00Z&to=2030-04-01T00:00:01Z", "to"},
		{"year 10000", "from=2030-03-01T00:00:00Z&to=9999-12-31T23:59:59-01:00", "to"},
		{"duration not a duration", week + "&duration=half", "duration"},
		{"duration zero", week + "&duration=0s", "duration"},
		{"duration negative", week + "&duration=-30m", "duration"},
		{"duration over 31 days", week + "&duration=745h", "duration"},
		{"unknown member", week + "&team_member_id=tm_nope", "team_member_id"},
		{"another organization's member", week + "&team_member_id=" + foreign, "team_member_id"},
		{"unknown parameter", week + "&member=" + paris, "member"},
		{"repeated parameter", week + "&from=2030-03-29T00:00:00Z", "from"},
		{"malformed query", week + "&to=%zz", "query"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			p := problemOf(t, a.do(read, "GET", org+"availability?"+tc.query, ""), 400, "invalid_request")
			if d, _ := p["detail"].(string); !strings.Contains(d, tc.param) {
				t.Fatalf("detail %q does not name %s", d, tc.param)
			}
		})
	}
	// Another organization's key sees none of this one.
	problemOf(t, a.do(other, "GET", org+"availability?"+week, ""), 404, "not_found")
}
