package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/driive/keyauth/apikey"
)

// The body fuzz targets send arbitrary bytes as the body of POST and PATCH
// through the whole handler (middleware, routing, decoding, rules, SQLite)
// and check that the server never panics or answers 500, that it refuses
// exactly the bodies that are not one JSON object of known string-or-null
// members (400), that a refused body writes nothing, and that whatever it
// accepts is an object that keeps every rule.
//
// "$CONTACT" in a body is replaced by the id of an existing contact, so that
// the seeds can reach the accepted paths of contact_id.

func FuzzContactBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0000"}`,
		`{"name":"Bob"}`,
		`{"name":null}`,
		`{"name":"   "}`,
		`{"name":"A","email":"nope","phone":"call me"}`,
		`{"name":"A","email":"","phone":null}`,
		`{"name":"A","id":"ct_x"}`,
		`{"name":"A","created_at":"2030-01-01T00:00:00Z"}`,
		`{"name":"A","nickname":"x"}`,
		`{"Name":"A"}`,
		`{"name":42}`,
		`{"name":{"first":"A"}}`,
		`{"name":"A"}{"name":"B"}`,
		`{"name":"A"} `,
		`{"name":"A"}]`,
		`[{"name":"A"}]`,
		`"A"`,
		`null`,
		``,
		`{`,
		`{"name":"A\u0000"}`,
		`{"name":"\ud800"}`,
		"{\"name\":\"\xff\xfe\"}",
		`{"name":"A","name":"B"}`,
		`{"name":"A","email":"Ada <ada@example.com>"}`,
		`{"name":"A","phone":"+1"}`,
		`{}`,
	} {
		f.Add(false, s)
		f.Add(true, s)
	}
	fuzzBody(f, "contacts", checkContactView)
}

func FuzzAppointmentBody(f *testing.F) {
	for _, s := range []string{
		`{"title":"Lesson","starts_at":"2030-05-01T10:00:00+02:00","ends_at":"2030-05-01T09:00:00Z","contact_id":"$CONTACT","notes":"bring the car"}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z"}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T09:00:00Z"}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T10:00:00Z"}`,
		`{"title":"T","starts_at":"tomorrow","ends_at":"2030-01-01T10:00:00Z"}`,
		`{"title":"T","starts_at":"0000-01-01T00:00:00Z","ends_at":"9999-12-31T23:59:59.999999999Z"}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00.0000001Z","ends_at":"2030-01-01T10:00:00.0000009Z"}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00-23:59","ends_at":"2030-01-02T10:00:00+23:59"}`,
		// An offset that moves the time out of years 0001-9999 in UTC,
		// which was once stored and then broke every read of the list.
		`{"title":"T","starts_at":"9999-12-31T23:00:00Z","ends_at":"9999-12-31T23:59:59-01:00"}`,
		`{"title":"T","starts_at":"0001-01-01T00:30:00+01:00","ends_at":"0001-01-01T03:00:00Z"}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","contact_id":"ct_nope"}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","contact_id":""}`,
		`{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","notes":null}`,
		`{"starts_at":"2030-01-01T12:00:00Z"}`,
		`{"contact_id":"$CONTACT"}`,
		`{"contact_id":null,"notes":""}`,
		`{"title":null}`,
		`{"title":"T","updated_at":"x"}`,
		`{"title":["T"]}`,
		`{"title":"T","starts_at":1893492000}`,
		`{}`,
		`{"title":"T"`,
		`true`,
	} {
		f.Add(false, s)
		f.Add(true, s)
	}
	fuzzBody(f, "appointments", checkAppointmentView)
}

func FuzzTeamMemberBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"Ines","email":"ines@example.com","role":"instructor","time_zone":"Europe/Paris","working_hours":[{"day":"mon","start":"09:00","end":"17:00"}]}`,
		`{"name":"A","time_zone":null,"working_hours":null}`,
		`{"name":"A","time_zone":"Local"}`,
		`{"name":"A","time_zone":"Mars/Olympus"}`,
		`{"name":"A","time_zone":"../../etc/passwd"}`,
		`{"name":"A","working_hours":[]}`,
		`{"name":"A","working_hours":[{"day":"sun","start":"00:00","end":"24:00"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","start":"09:00","end":"12:00"},{"day":"mon","start":"11:00","end":"13:00"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","start":"12:00","end":"09:00"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","start":"24:01","end":"24:30"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","start":"09:00","end":"10:00","x":"y"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","day":"tue","start":"09:00","end":"10:00"}]}`,
		`{"name":"A","working_hours":[{"day":"mon","start":9}]}`,
		`{"name":"A","working_hours":{"day":"mon"}}`,
		`{"name":"A","working_hours":"mon 9-5"}`,
		`{"role":null}`,
		`{"working_hours":[{"day":"fri","start":"08:00","end":"08:01"}]}`,
	} {
		f.Add(false, s)
		f.Add(true, s)
	}
	fuzzBody(f, "team-members", checkTeamMemberView)
}

func checkTeamMemberView(view, sent map[string]any) string {
	for _, n := range []string{"id", "created_at", "updated_at"} {
		if _, ok := sent[n]; ok {
			return "read-only " + n + " was accepted"
		}
	}
	tz, _ := view["time_zone"].(string)
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" || tz == "" {
		return "time_zone is not an IANA name"
	}
	if sent["time_zone"] == nil && slices.Contains(slices.Collect(maps.Keys(sent)), "time_zone") && tz != "UTC" {
		return "time_zone null is not UTC"
	}
	switch {
	case !textOK(view["name"], 200):
		return "name breaks its rule"
	case !optOK(view["role"], 100, nil):
		return "role breaks its rule"
	}
	hours, ok := view["working_hours"].([]any)
	if !ok {
		return "working_hours is not a list"
	}
	type span struct{ day, start, end string }
	var seen []span
	for _, h := range hours {
		m, _ := h.(map[string]any)
		sp := span{fmt.Sprint(m["day"]), fmt.Sprint(m["start"]), fmt.Sprint(m["end"])}
		if !slices.Contains([]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, sp.day) ||
			len(sp.start) != 5 || len(sp.end) != 5 || sp.end <= sp.start || sp.end > "24:00" || sp.start[3:] > "59" || sp.end[3:] > "59" {
			return "working hours break their rule: " + jsonText(h)
		}
		for _, o := range seen {
			if o.day == sp.day && sp.start < o.end && o.start < sp.end {
				return "working hours overlap"
			}
		}
		seen = append(seen, sp)
	}
	return sentMatches(view, sent, "name", "email", "role")
}

// fuzzBody runs the body target of one collection. check reports what is
// wrong with an object the server answered with ("" when nothing), given
// the member values the request set.
func fuzzBody(f *testing.F, coll string, check func(view, sent map[string]any) string) {
	p := newInproc(f, "sqlite:"+f.TempDir()+"/fuzz.db", nil)
	const org = "fuzz"
	key := p.key(f, org, apikey.Write, time.Time{})
	auth := bearer(key)
	created := func(path, body string) string {
		r := p.serve("POST", path, body, auth)
		if r.status != 201 {
			f.Fatalf("creating %s: %d %s", path, r.status, r.body)
		}
		var m map[string]any
		if err := json.Unmarshal(r.body, &m); err != nil {
			f.Fatal(err)
		}
		return m["id"].(string)
	}
	base := "/v1/organizations/" + org + "/"
	contact := created(base+"contacts", `{"name":"Grace"}`)
	target := contact
	switch coll {
	case "team-members":
		target = created(base+coll, `{"name":"Ines"}`)
	case "appointments":
		target = created(base+"appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z"}`)
	}
	f.Fuzz(func(t *testing.T, patch bool, body string) {
		body = strings.ReplaceAll(body, "$CONTACT", contact)
		method, path := "POST", base+coll
		if patch {
			method, path = "PATCH", base+coll+"/"+target
		}
		before := p.rowCounts(t, org)
		var old []byte
		if patch {
			old = p.serve("GET", path, "", auth).body
		}
		r := p.serve(method, path, body, auth)
		sent, decodable := decodeOracle(body, coll)
		switch r.status {
		case 200, 201:
			if !decodable {
				t.Fatalf("%s accepted a body that does not decode: %q -> %d %s", method, body, r.status, r.body)
			}
			if want := map[bool]int{false: 201, true: 200}[patch]; r.status != want {
				t.Fatalf("%s answered %d, want %d", method, r.status, want)
			}
			var view map[string]any
			if err := json.Unmarshal(r.body, &view); err != nil {
				t.Fatalf("%s answered %d with a body that is not JSON: %q", method, r.status, r.body)
			}
			if msg := check(view, sent); msg != "" {
				t.Fatalf("%s accepted %q: %s; answer %s", method, body, msg, r.body)
			}
			// What is stored is what was answered.
			if got := p.serve("GET", base+coll+"/"+view["id"].(string), "", auth); !bytes.Equal(got.body, r.body) {
				t.Fatalf("stored %s, answered %s", got.body, r.body)
			}
		case 400, 422:
			code := map[int]string{400: "invalid_request", 422: "validation_failed"}[r.status]
			if (r.status == 400) == decodable {
				t.Fatalf("%s %q: status %d, but the body decodes: %v", method, body, r.status, decodable)
			}
			var prob map[string]any
			if err := json.Unmarshal(r.body, &prob); err != nil || prob["code"] != code ||
				r.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%s %q: status %d with %s %s", method, body, r.status, r.header.Get("Content-Type"), r.body)
			}
			if after := p.rowCounts(t, org); after != before {
				t.Fatalf("a refused %s wrote rows: %v -> %v", method, before, after)
			}
			if patch {
				if now := p.serve("GET", path, "", auth).body; !bytes.Equal(now, old) {
					t.Fatalf("a refused PATCH %q changed %s to %s", body, old, now)
				}
			}
		default:
			t.Fatalf("%s %q: status %d %s", method, body, r.status, r.body)
		}
	})
}

// decodeOracle decodes body independently of the server: one JSON object
// in valid UTF-8 (no unpaired surrogate escape) and nothing after it,
// without duplicate names, whose members are all known and each a string
// or null. It returns the members and whether the body decodes.
func decodeOracle(body, coll string) (map[string]any, bool) {
	res := map[string][]field{"contacts": contacts.fields, "appointments": appointments.fields,
		"team-members": teamMembers.fields}[coll]
	if !utf8.ValidString(body) || loneSurrogate(body) {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, false
	}
	obj, ok := v.(map[string]any)
	if !ok || hasDuplicateName(body) {
		return nil, false
	}
	for k, x := range obj {
		i := slices.IndexFunc(res, func(f field) bool { return f.name == k })
		if i < 0 {
			return nil, false
		}
		if x != nil && !oracleKind(x, res[i]) {
			return nil, false
		}
	}
	return obj, true
}

// oracleKind reports whether x is of f's kind: a string, or an array of
// objects with exactly f.items, each a string.
func oracleKind(x any, f field) bool {
	if f.kind == kindText {
		_, ok := x.(string)
		return ok
	}
	items, ok := x.([]any)
	if !ok {
		return false
	}
	for _, it := range items {
		obj, ok := it.(map[string]any)
		if !ok || len(obj) != len(f.items) {
			return false
		}
		for _, name := range f.items {
			if _, ok := obj[name].(string); !ok {
				return false
			}
		}
	}
	return true
}

// surrogateEscape matches a \u escape of a surrogate, with the low half
// that may follow it.
var surrogateEscape = regexp.MustCompile(`(?i)\\u(d[89a-f][0-9a-f]{2})(\\ud[c-f][0-9a-f]{2})?`)

// loneSurrogate reports whether body escapes half a surrogate pair.
func loneSurrogate(body string) bool {
	// Escaped backslashes go first, so that every \u left is an escape.
	body = strings.ReplaceAll(body, `\\`, "__")
	for _, m := range surrogateEscape.FindAllStringSubmatch(body, -1) {
		if !strings.ContainsAny(m[1][1:2], "89abAB") || m[2] == "" {
			return true
		}
	}
	return false
}

// hasDuplicateName reports whether an object of a valid JSON body, at any
// depth, names a member twice.
func hasDuplicateName(body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	type level struct {
		seen   map[string]bool
		object bool
		key    bool // the next token of an object is a name
	}
	var stack []*level
	for {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		top := (*level)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if d, ok := t.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			name := t.(string)
			if top.seen[name] {
				return true
			}
			top.seen[name], top.key = true, false
			continue
		}
		if top != nil && top.object {
			top.key = true
		}
		switch t {
		case json.Delim('{'):
			stack = append(stack, &level{seen: map[string]bool{}, object: true, key: true})
		case json.Delim('['):
			stack = append(stack, &level{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}

// textOK is the rule of a required text: 1-max characters, not blank, no
// control characters but tab and line breaks.
func textOK(v any, max int) bool {
	s, ok := v.(string)
	if !ok || utf8.RuneCountInString(s) > max || strings.TrimFunc(s, unicode.IsSpace) == "" {
		return false
	}
	if apikey.ContainsKeyText(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) && !strings.ContainsRune("\t\n\r", c) {
			return false
		}
	}
	return true
}

// optOK is the rule of an optional text: null, or a text that keeps
// textOK and extra.
func optOK(v any, max int, extra func(string) bool) bool {
	if v == nil {
		return true
	}
	s, _ := v.(string)
	return textOK(v, max) && (extra == nil || extra(s))
}

// sentMatches checks that each member the request set is what the object
// holds: a text as sent, null or "" (optional members) as null.
func sentMatches(view, sent map[string]any, names ...string) string {
	for _, n := range names {
		v, ok := sent[n]
		if !ok {
			continue
		}
		if v == "" {
			v = nil
		}
		if view[n] != v {
			return n + " is " + jsonText(view[n]) + ", sent " + jsonText(v)
		}
	}
	return ""
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

func isUTCTime(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || !strings.HasSuffix(s, "Z") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func checkContactView(view, sent map[string]any) string {
	for _, n := range []string{"id", "created_at", "updated_at"} {
		if _, ok := sent[n]; ok {
			return "read-only " + n + " was accepted"
		}
	}
	email := func(s string) bool { a, err := mail.ParseAddress(s); return err == nil && a.Address == s }
	phone := func(s string) bool {
		digits := len(s) - len(strings.Map(func(r rune) rune {
			if '0' <= r && r <= '9' {
				return -1
			}
			return r
		}, s))
		return strings.Trim(s, "0123456789+-(). ") == "" && digits >= 3
	}
	switch {
	case !textOK(view["name"], 200):
		return "name breaks its rule"
	case !optOK(view["email"], 254, email):
		return "email breaks its rule"
	case !optOK(view["phone"], 32, phone):
		return "phone breaks its rule"
	}
	if _, ok := isUTCTime(view["created_at"]); !ok {
		return "created_at is not a UTC time"
	}
	if _, ok := isUTCTime(view["updated_at"]); !ok {
		return "updated_at is not a UTC time"
	}
	return sentMatches(view, sent, "name", "email", "phone")
}

func checkAppointmentView(view, sent map[string]any) string {
	for _, n := range []string{"id", "created_at", "updated_at"} {
		if _, ok := sent[n]; ok {
			return "read-only " + n + " was accepted"
		}
	}
	switch {
	case !textOK(view["title"], 200):
		return "title breaks its rule"
	case !optOK(view["notes"], 10000, nil):
		return "notes break their rule"
	case !optOK(view["contact_id"], 64, nil):
		return "contact_id breaks its rule"
	}
	starts, ok1 := isUTCTime(view["starts_at"])
	ends, ok2 := isUTCTime(view["ends_at"])
	if !ok1 || !ok2 || !ends.After(starts) {
		return "starts_at/ends_at are not UTC times with ends_at after starts_at"
	}
	for _, n := range []string{"starts_at", "ends_at"} {
		if s, ok := sent[n].(string); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			got, _ := isUTCTime(view[n])
			if err != nil || !got.Equal(t.Truncate(time.Microsecond)) {
				return n + " is " + jsonText(view[n]) + ", sent " + s
			}
		}
	}
	return sentMatches(view, sent, "title", "notes", "contact_id")
}
