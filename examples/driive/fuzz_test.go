package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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
	if coll == "appointments" {
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
	res := map[string][]field{"contacts": contacts.fields, "appointments": appointments.fields}[coll]
	var known []string
	for _, f := range res {
		known = append(known, f.name)
	}
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
		if !slices.Contains(known, k) {
			return nil, false
		}
		if _, isString := x.(string); x != nil && !isString {
			return nil, false
		}
	}
	return obj, true
}

// keyShaped is text shaped like an API key of any prefix.
var keyShaped = regexp.MustCompile(`[a-z][a-z0-9]{0,7}_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}`)

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

// hasDuplicateName reports whether the top-level object of a valid JSON
// body names a member twice.
func hasDuplicateName(body string) bool {
	dec := json.NewDecoder(strings.NewReader(body))
	_, _ = dec.Token() // {
	seen := map[string]bool{}
	for dec.More() {
		t, _ := dec.Token()
		name, _ := t.(string)
		if seen[name] {
			return true
		}
		seen[name] = true
		var skip json.RawMessage
		_ = dec.Decode(&skip)
	}
	return false
}

// textOK is the rule of a required text: 1-max characters, not blank, no
// control characters but tab and line breaks.
func textOK(v any, max int) bool {
	s, ok := v.(string)
	if !ok || utf8.RuneCountInString(s) > max || strings.TrimFunc(s, unicode.IsSpace) == "" {
		return false
	}
	if keyShaped.MatchString(s) {
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
