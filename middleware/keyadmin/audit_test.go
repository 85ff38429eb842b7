package keyadmin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/keyadmin"
)

// Every change through the API or the page is in the audit trail with the
// actor who made it, and the key says who created it.
func TestAuditTrail(t *testing.T) {
	e := newEnv(t, nil)
	k := e.createKey("audited")
	id := k["id"].(string)
	if d := cmp.Diff(map[string]any{"id": "u-alice", "name": "Alice"}, k["created_by"]); d != "" {
		t.Errorf("created_by (-want +got):\n%s", d)
	}
	e.clock.Advance(time.Minute)
	n := e.must(201, "admin", "POST", api+"/api-keys/"+id+"/rotate", `{"grace":"1h"}`)
	if d := cmp.Diff(map[string]any{"id": "admin", "name": "Admin"}, n["created_by"]); d != "" {
		t.Errorf("the replacement's created_by (-want +got):\n%s", d)
	}
	e.clock.Advance(time.Minute)
	if r := e.form("alice", page+"/"+n["id"].(string)+"/revoke", ""); r.status != 303 {
		t.Fatalf("revoke on the page: %d", r.status)
	}

	got := e.must(200, "viewer", "GET", api+"/audit-events", "")
	if got["next_cursor"] != nil {
		t.Errorf("next_cursor %v on the only page", got["next_cursor"])
	}
	var actions []string
	for _, ev := range got["data"].([]any) {
		m := ev.(map[string]any)
		actions = append(actions, m["action"].(string)+" "+m["key_id"].(string)+" by "+m["actor"].(map[string]any)["name"].(string)+" at "+m["at"].(string))
		if m["id"] == "" {
			t.Errorf("event without an id: %v", m)
		}
	}
	want := []string{
		"key.revoked " + n["id"].(string) + " by Alice at 2026-03-01T12:02:00Z",
		"key.rotated " + id + " by Admin at 2026-03-01T12:01:00Z",
		"key.created " + id + " by Alice at 2026-03-01T12:00:00Z",
	}
	if d := cmp.Diff(want, actions); d != "" {
		t.Errorf("audit events, newest first (-want +got):\n%s", d)
	}

	// The page shows the creator and the activity, with the client
	// address the host sees.
	body := e.do("viewer", "GET", page, "").body
	for _, s := range []string{"by Alice", "by Admin", "<strong>Alice</strong> revoked", "<strong>Admin</strong> rotated", "from 192.0.2.1"} {
		if !strings.Contains(body, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	activity := e.do("viewer", "GET", page+"/activity", "")
	if activity.status != 200 || strings.Count(activity.body, `class="event"`) != 3 {
		t.Errorf("activity page: %d with %d events", activity.status, strings.Count(activity.body, `class="event"`))
	}
}

func TestAuditEventsPages(t *testing.T) {
	e := newEnv(t, nil)
	for range 5 {
		e.createKey("k")
		e.clock.Advance(time.Second)
	}
	var seen int
	path := api + "/audit-events?limit=2"
	for range 10 {
		p := e.must(200, "alice", "GET", path, "")
		seen += len(p["data"].([]any))
		c, ok := p["next_cursor"].(string)
		if !ok {
			break
		}
		path = api + "/audit-events?limit=2&cursor=" + c
	}
	if seen != 5 {
		t.Errorf("%d events over the pages, want 5", seen)
	}
	for _, q := range []string{"limit=0", "limit=101", "cursor=bogus"} {
		problemOf(t, e.do("alice", "GET", api+"/audit-events?"+q, ""), 400, middleware.CodeInvalidRequest)
	}
	if n := len(e.must(200, "admin", "GET", "/admin/v1/organizations/other/audit-events", "")["data"].([]any)); n != 0 {
		t.Errorf("another organization has %d events", n)
	}
	// The full activity page pages too, and survives a bad link.
	for range 20 {
		e.createKey("more")
	}
	first := e.do("alice", "GET", page+"/activity", "")
	if !strings.Contains(first.body, `rel="next"`) {
		t.Error("no link to older activity")
	}
	if r := e.do("alice", "GET", page+"/activity?cursor=bogus", ""); r.status != 400 || !strings.Contains(r.body, "not valid any more") {
		t.Errorf("bad activity cursor: %d", r.status)
	}
}

// A rotated key is marked on the page, offers no second Rotate, and a
// second rotation is refused with a clear error.
func TestRotatedKeyIsMarked(t *testing.T) {
	e := newEnv(t, nil)
	id := e.createKey("once")["id"].(string)
	e.must(201, "alice", "POST", api+"/api-keys/"+id+"/rotate", `{"grace":"24h"}`)
	p := problemOf(t, e.do("alice", "POST", api+"/api-keys/"+id+"/rotate", ""), 409, keyadmin.CodeValidationFailed)
	if !strings.Contains(p["detail"].(string), "already rotated") {
		t.Errorf("detail %q", p["detail"])
	}
	body := e.do("alice", "GET", page, "").body
	row := body[strings.Index(body, `data-key-id="`+id+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "Replaced, works until Mar 2, 2026, 12:00 UTC") || strings.Contains(row, ">Rotate<") {
		t.Errorf("the rotated key's row: %s", row)
	}
	if r := e.form("alice", page+"/"+id+"/rotate", "grace=1h"); r.status != 409 || !strings.Contains(r.body, "already replaced") {
		t.Errorf("second rotation on the page: %d", r.status)
	}
}

func TestExpiringKeyIsMarked(t *testing.T) {
	e := newEnv(t, nil)
	e.must(201, "alice", "POST", api+"/api-keys", `{"name":"soon","permission":"read","expires_at":"2026-03-04T12:00:00Z"}`)
	if body := e.do("alice", "GET", page, "").body; !strings.Contains(body, "Expires in 3 days") {
		t.Error(`a key expiring in 3 days is not marked "Expires in 3 days"`)
	}
}
