package main

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
)

// badEnv is what the cases of TestServerBadInput share: the server and
// keys of organization "bad", one of organization "elsewhere", and an
// existing contact of "bad".
type badEnv struct {
	p                   *inproc
	write, read, other  string
	contact, nextCursor string
	member              string // a team member of "bad"
}

// badRequest is one request of a case.
type badRequest struct {
	method, target, body string
	headers              [][2]string
}

// TestServerBadInput sends bad input to the example server, with a few
// good requests beside it, on every database. Each case asserts the
// status, the problem's code and whether the request wrote anything
// (contacts, appointments, keys).
func TestServerBadInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, db string) {
		p := newInproc(t, db, nil)
		e := &badEnv{p: p}
		e.write = p.key(t, "bad", apikey.Write, time.Time{})
		e.read = p.key(t, "bad", apikey.Read, time.Time{})
		e.other = p.key(t, "elsewhere", apikey.Write, time.Time{})
		e.contact = mustCreate(t, p, e.write, "/v1/organizations/bad/contacts", `{"name":"Ada"}`)
		mustCreate(t, p, e.write, "/v1/organizations/bad/contacts", `{"name":"Bob"}`)
		e.member = mustCreate(t, p, e.write, "/v1/organizations/bad/team-members", `{"name":"Ines"}`)
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		r := p.serve("GET", "/v1/organizations/bad/contacts?limit=1", "", bearer(e.write))
		if err := json.Unmarshal(r.body, &page); err != nil || page.NextCursor == "" {
			t.Fatalf("no next_cursor: %d %s", r.status, r.body)
		}
		e.nextCursor = page.NextCursor
		runBadInput(t, e)
	})
}

func mustCreate(t *testing.T, p *inproc, key, path, body string) string {
	t.Helper()
	r := p.serve("POST", path, body, bearer(key))
	if r.status != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", path, r.status, r.body)
	}
	return r.json(t)["id"].(string)
}

func runBadInput(t *testing.T, e *badEnv) {
	const (
		team  = "/v1/organizations/bad/team-members"
		avail = "/v1/organizations/bad/availability"
		coll  = "/v1/organizations/bad/contacts"
		good  = `{"name":"Grace"}`
	)
	post := func(auth ...string) func(*testing.T, *badEnv) badRequest {
		return func(*testing.T, *badEnv) badRequest {
			var h [][2]string
			for _, a := range auth {
				h = append(h, [2]string{"Authorization", a})
			}
			return badRequest{"POST", coll, good, h}
		}
	}
	postKey := func(scheme string, key func(e *badEnv) string) func(*testing.T, *badEnv) badRequest {
		return func(_ *testing.T, e *badEnv) badRequest {
			return badRequest{"POST", coll, good, [][2]string{{"Authorization", scheme + key(e)}}}
		}
	}
	withKey := func(method, target, body string, key func(e *badEnv) string) func(*testing.T, *badEnv) badRequest {
		return func(_ *testing.T, e *badEnv) badRequest {
			return badRequest{method, strings.NewReplacer("$CONTACT", e.contact, "$MEMBER", e.member).Replace(target),
				strings.ReplaceAll(body, "$MEMBER", e.member), [][2]string{bearer(key(e))}}
		}
	}
	withHeader := func(method, target, body, name, value string) func(*testing.T, *badEnv) badRequest {
		return func(t *testing.T, e *badEnv) badRequest {
			r := withKey(method, target, body, func(e *badEnv) string { return e.write })(t, e)
			r.headers = append(r.headers, [2]string{name, value})
			return r
		}
	}
	write := func(e *badEnv) string { return e.write }
	read := func(e *badEnv) string { return e.read }
	other := func(e *badEnv) string { return e.other }
	// expiring returns a key of "bad" that expires an hour from now, used
	// once so that it is cached, with the clock then moved to its expiry
	// plus offset.
	expiring := func(offset time.Duration) func(*testing.T, *badEnv) badRequest {
		return func(t *testing.T, e *badEnv) badRequest {
			at := e.p.now.Now().Add(time.Hour).Truncate(time.Microsecond)
			k := e.p.key(t, "bad", apikey.Write, at)
			warmKey(t, e, k)
			e.p.now.Set(at.Add(offset))
			t.Cleanup(func() { e.p.now.Set(time.Now()) })
			return badRequest{"POST", coll, good, [][2]string{bearer(k)}}
		}
	}
	tests := map[string]struct {
		req    func(*testing.T, *badEnv) badRequest
		status int
		code   string // "" for a success
		writes bool
	}{
		// The Authorization header.
		"no header":                 {post(), 401, "missing_api_key", false},
		"empty header":              {post(""), 401, "missing_api_key", false},
		"another scheme":            {post("Basic YmFkOnNlY3JldA=="), 401, "missing_api_key", false},
		"scheme glued to the key":   {postKey("Bearer", write), 401, "missing_api_key", false},
		"lower-case bearer":         {postKey("bearer ", write), 201, "", true},
		"upper-case BEARER":         {postKey("BEARER ", write), 201, "", true},
		"bare Bearer":               {post("Bearer"), 400, "invalid_request", false},
		"Bearer and a space":        {post("Bearer "), 400, "invalid_request", false},
		"tab after the scheme":      {postKey("Bearer\t", write), 400, "invalid_request", false},
		"several spaces":            {postKey("Bearer     ", write), 201, "", true},
		"two Authorization headers": {func(_ *testing.T, e *badEnv) badRequest { return post("Bearer "+e.write, "Bearer "+e.write)(nil, e) }, 400, "invalid_request", false},
		"key in the query only": {func(_ *testing.T, e *badEnv) badRequest {
			return badRequest{"POST", coll + "?api_key=" + e.write + "&access_token=" + e.write, good, nil}
		}, 401, "missing_api_key", false},
		"8 KiB token":                {post("Bearer dk_" + strings.Repeat("a", 8<<10)), 401, "invalid_api_key", false},
		"foreign prefix":             {postKey("Bearer ", func(e *badEnv) string { return "xk" + e.write[2:] }), 401, "invalid_api_key", false},
		"foreign prefix, valid sum":  {postKey("Bearer ", func(e *badEnv) string { return forgeKey("xk", keyID(e.write)) }), 401, "invalid_api_key", false},
		"bad checksum":               {postKey("Bearer ", func(e *badEnv) string { return flipLast(e.write) }), 401, "invalid_api_key", false},
		"non-base62 character":       {postKey("Bearer ", func(e *badEnv) string { return e.write[:20] + "-" + e.write[21:] }), 401, "invalid_api_key", false},
		"UTF-8 in the token":         {postKey("Bearer ", func(e *badEnv) string { return e.write[:20] + "é" + e.write[22:] }), 400, "invalid_request", false},
		"control character":          {postKey("Bearer ", func(e *badEnv) string { return e.write[:20] + "\x01" + e.write[21:] }), 400, "invalid_request", false},
		"truncated key":              {postKey("Bearer ", func(e *badEnv) string { return e.write[:len(e.write)-1] }), 401, "invalid_api_key", false},
		"unknown id":                 {postKey("Bearer ", func(*badEnv) string { return forgeKey("dk", strings.Repeat("Z", apikey.IDLen)) }), 401, "invalid_api_key", false},
		"wrong secret":               {postKey("Bearer ", func(e *badEnv) string { return forgeKey("dk", keyID(e.write)) }), 401, "invalid_api_key", false},
		"expired key at the instant": {expiring(0), 401, "api_key_expired", false},
		"expired key after it":       {expiring(time.Minute), 401, "api_key_expired", false},
		"key just before expiry":     {expiring(-time.Microsecond), 201, "", true},
		"revoked key while cached": {func(t *testing.T, e *badEnv) badRequest {
			k := e.p.key(t, "bad", apikey.Write, time.Time{})
			warmKey(t, e, k)
			if _, err := e.p.svc.Revoke(t.Context(), "bad", keyID(k)); err != nil {
				t.Fatal(err)
			}
			return badRequest{"POST", coll, good, [][2]string{bearer(k)}}
		}, 401, "api_key_revoked", false},

		// Permission and organization.
		"read key on POST":               {withKey("POST", coll, good, read), 403, "insufficient_permission", false},
		"read key on PATCH":              {withKey("PATCH", coll+"/$CONTACT", `{"name":"Mallory"}`, read), 403, "insufficient_permission", false},
		"read key on DELETE":             {withKey("DELETE", coll+"/$CONTACT", "", read), 403, "insufficient_permission", false},
		"read key on GET":                {withKey("GET", coll, "", read), 200, "", false},
		"another org's key, its data":    {withKey("DELETE", coll+"/$CONTACT", "", other), 404, "not_found", false},
		"own org, another org's contact": {withKey("DELETE", "/v1/organizations/elsewhere/contacts/$CONTACT", "", other), 404, "not_found", false},

		// Bodies.
		"body over 1 MiB":              {withKey("POST", coll, `{"name":"`+strings.Repeat("a", 1<<20)+`"}`, write), 400, "invalid_request", false},
		"body of 1 MiB of spaces":      {withKey("POST", coll, good+strings.Repeat(" ", 1<<20), write), 400, "invalid_request", false},
		"malformed JSON":               {withKey("POST", coll, `{"name":"Grace"`, write), 400, "invalid_request", false},
		"not JSON":                     {withKey("POST", coll, `name=Grace`, write), 400, "invalid_request", false},
		"JSON array":                   {withKey("POST", coll, `[`+good+`]`, write), 400, "invalid_request", false},
		"two JSON objects":             {withKey("POST", coll, good+good, write), 400, "invalid_request", false},
		"unknown JSON member":          {withKey("POST", coll, `{"name":"Grace","admin":"true"}`, write), 400, "invalid_request", false},
		"unknown member in a PATCH":    {withKey("PATCH", coll+"/$CONTACT", `{"name":"Eve","org_id":"elsewhere"}`, write), 400, "invalid_request", false},
		"wrong JSON type":              {withKey("POST", coll, `{"name":["Grace"]}`, write), 400, "invalid_request", false},
		"rule broken":                  {withKey("POST", coll, `{"name":" "}`, write), 422, "validation_failed", false},
		"appointment ends too early":   {withKey("POST", "/v1/organizations/bad/appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T10:00:00Z"}`, write), 422, "validation_failed", false},
		"time in year 10000 in UTC":    {withKey("POST", "/v1/organizations/bad/appointments", `{"title":"T","starts_at":"9999-12-31T23:00:00Z","ends_at":"9999-12-31T23:59:59-01:00"}`, write), 422, "validation_failed", false},
		"time in year 0 in UTC":        {withKey("POST", "/v1/organizations/bad/appointments", `{"title":"T","starts_at":"0001-01-01T00:30:00+01:00","ends_at":"0001-01-01T03:00:00Z"}`, write), 422, "validation_failed", false},
		"invalid UTF-8":                {withKey("POST", coll, "{\"name\":\"Gr\xffce\"}", write), 400, "invalid_request", false},
		"invalid UTF-8 in a name":      {withKey("POST", coll, "{\"name\":\"Grace\",\"\xc3\":null}", write), 400, "invalid_request", false},
		"unpaired surrogate escape":    {withKey("POST", coll, `{"name":"Gr\ud800ce"}`, write), 400, "invalid_request", false},
		"surrogate pair":               {withKey("POST", coll, `{"name":"Gr\ud83d\ude00ce"}`, write), 201, "", true},
		"duplicate member":             {withKey("POST", coll, `{"name":"Grace","name":"Mallory"}`, write), 400, "invalid_request", false},
		"duplicate member in a PATCH":  {withKey("PATCH", coll+"/$CONTACT", `{"name":"Eve","name":"Ada"}`, write), 400, "invalid_request", false},
		"Content-Type text/plain":      {withHeader("POST", coll, good, "Content-Type", "text/plain"), 415, "unsupported_media_type", false},
		"no Content-Type":              {withHeader("POST", coll, good, "Content-Type", ""), 415, "unsupported_media_type", false},
		"form Content-Type in a PATCH": {withHeader("PATCH", coll+"/$CONTACT", `{"name":"Eve"}`, "Content-Type", "application/x-www-form-urlencoded"), 415, "unsupported_media_type", false},
		"JSON with a charset":          {withHeader("POST", coll, good, "Content-Type", "application/json; charset=utf-8"), 201, "", true},
		"merge-patch Content-Type":     {withHeader("PATCH", coll+"/$CONTACT", `{"name":"Ada"}`, "Content-Type", "application/merge-patch+json"), 200, "", false},
		"key in a contact's name":      {withKey("POST", coll, `{"name":"see `+forgeKey("dk", strings.Repeat("K", apikey.IDLen))+` here"}`, write), 422, "validation_failed", false},
		"key in appointment notes":     {withKey("POST", "/v1/organizations/bad/appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","notes":"`+forgeKey("xk", strings.Repeat("K", apikey.IDLen))+`"}`, write), 422, "validation_failed", false},
		"team member without name":     {withKey("POST", team, `{"role":"x"}`, write), 422, "validation_failed", false},
		"team member, bad time zone":   {withKey("POST", team, `{"name":"A","time_zone":"Nowhere/City"}`, write), 422, "validation_failed", false},
		"working hours overlap":        {withKey("POST", team, `{"name":"A","working_hours":[{"day":"mon","start":"09:00","end":"12:00"},{"day":"mon","start":"10:00","end":"11:00"}]}`, write), 422, "validation_failed", false},
		"working hours end first":      {withKey("POST", team, `{"name":"A","working_hours":[{"day":"mon","start":"12:00","end":"09:00"}]}`, write), 422, "validation_failed", false},
		"working hours not a list":     {withKey("POST", team, `{"name":"A","working_hours":"mon 9-5"}`, write), 400, "invalid_request", false},
		"working hours item unknown":   {withKey("POST", team, `{"name":"A","working_hours":[{"day":"mon","start":"09:00","end":"10:00","tz":"UTC"}]}`, write), 400, "invalid_request", false},
		"working hours item duplicate": {withKey("POST", team, `{"name":"A","working_hours":[{"day":"mon","day":"tue","start":"09:00","end":"10:00"}]}`, write), 400, "invalid_request", false},
		"team member, unknown member":  {withKey("POST", team, `{"name":"A","manager":"B"}`, write), 400, "invalid_request", false},
		"read key on team POST":        {withKey("POST", team, `{"name":"A"}`, read), 403, "insufficient_permission", false},
		"team member, key in role":     {withKey("POST", team, `{"name":"A","role":"`+forgeKey("dk", strings.Repeat("R", apikey.IDLen))+`"}`, write), 422, "validation_failed", false},
		"appointment, foreign member":  {withKey("POST", "/v1/organizations/elsewhere/appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","team_member_id":"$MEMBER"}`, other), 422, "validation_failed", false},
		"appointment, foreign contact": {withKey("POST", "/v1/organizations/elsewhere/appointments", `{"title":"T","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T11:00:00Z","contact_id":"$CONTACT"}`, other), 422, "validation_failed", false},

		// Lists.
		"limit 0":           {withKey("GET", coll+"?limit=0", "", read), 400, "invalid_request", false},
		"limit 101":         {withKey("GET", coll+"?limit=101", "", read), 400, "invalid_request", false},
		"limit huge":        {withKey("GET", coll+"?limit=99999999999999999999", "", read), 400, "invalid_request", false},
		"limit not integer": {withKey("GET", coll+"?limit=1.5", "", read), 400, "invalid_request", false},
		"tampered cursor": {func(_ *testing.T, e *badEnv) badRequest {
			c := []byte(e.nextCursor)
			c[2] ^= 1
			return withKey("GET", coll+"?cursor="+url.QueryEscape(string(c)), "", read)(nil, e)
		}, 400, "invalid_request", false},
		"cursor with a forged position": {func(_ *testing.T, e *badEnv) badRequest {
			c := []byte(e.nextCursor)
			c[0] = 'A' // the position is the first bytes; the MAC no longer matches
			if c[0] == e.nextCursor[0] {
				c[0] = 'B'
			}
			return withKey("GET", coll+"?cursor="+url.QueryEscape(string(c)), "", read)(nil, e)
		}, 400, "invalid_request", false},
		"cursor of another list": {func(_ *testing.T, e *badEnv) badRequest {
			return withKey("GET", "/v1/organizations/bad/appointments?cursor="+url.QueryEscape(e.nextCursor), "", read)(nil, e)
		}, 400, "invalid_request", false},
		"cursor of another org": {func(_ *testing.T, e *badEnv) badRequest {
			return withKey("GET", "/v1/organizations/elsewhere/contacts?cursor="+url.QueryEscape(e.nextCursor), "", other)(nil, e)
		}, 400, "invalid_request", false},
		"malformed query escape":       {withKey("GET", coll+"?limit=%zz", "", read), 400, "invalid_request", false},
		"semicolon in the query":       {withKey("GET", coll+"?limit=1;cursor=x", "", read), 400, "invalid_request", false},
		"malformed query on a POST":    {withKey("POST", coll+"?x=%", good, write), 400, "invalid_request", false},
		"availability without from":    {withKey("GET", avail+"?to=2030-01-02T00:00:00Z", "", read), 400, "invalid_request", false},
		"availability over 31 days":    {withKey("GET", avail+"?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:01Z", "", read), 400, "invalid_request", false},
		"availability, bad duration":   {withKey("GET", avail+"?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z&duration=1d", "", read), 400, "invalid_request", false},
		"availability, unknown member": {withKey("GET", avail+"?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z&team_member_id=tm_x", "", read), 400, "invalid_request", false},
		"availability, unknown param":  {withKey("GET", avail+"?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z&tz=UTC", "", read), 400, "invalid_request", false},
		"availability, bad escape":     {withKey("GET", avail+"?from=%zz", "", read), 400, "invalid_request", false},
		"availability of another org":  {withKey("GET", "/v1/organizations/elsewhere/availability?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z&team_member_id=$MEMBER", "", other), 400, "invalid_request", false},
		"availability, good":           {withKey("GET", avail+"?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z&team_member_id=$MEMBER", "", read), 200, "", false},
		"availability POST":            {withKey("POST", avail, `{}`, write), 405, "method_not_allowed", false},
		"cursor not base64":            {withKey("GET", coll+"?cursor=%00%FF", "", read), 400, "invalid_request", false},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			req := tc.req(t, e)
			before := e.p.rowCounts(t, "bad")
			r := e.p.serve(req.method, req.target, req.body, req.headers...)
			after := e.p.rowCounts(t, "bad")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tc.status, r.body)
			}
			if tc.code != "" {
				problemOf(t, r, tc.status, tc.code)
			}
			if wrote := before != after; wrote != tc.writes {
				t.Fatalf("rows %v -> %v: wrote %v, want %v", before, after, wrote, tc.writes)
			}
			if strings.HasPrefix(req.target, "/v1/") && tc.status < 300 && r.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("organization data with Cache-Control %q", r.header.Get("Cache-Control"))
			}
			switch tc.status {
			case 401:
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Fatalf("401 with WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
			case 403:
				if h := r.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_scope"`) {
					t.Fatalf("403 with WWW-Authenticate %q", h)
				}
			}
		})
	}
	t.Run("another org's key on an existing and a missing org", func(t *testing.T) {
		before := e.p.rowCounts(t, "bad")
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			exist := e.p.serve(m, "/v1/organizations/bad/contacts/"+e.contact, `{"name":"Eve"}`, bearer(e.other))
			missing := e.p.serve(m, "/v1/organizations/no-such-org/contacts/"+e.contact, `{"name":"Eve"}`, bearer(e.other))
			problemOf(t, exist, 404, "not_found")
			if exist.status != missing.status || string(exist.body) != string(missing.body) {
				t.Fatalf("%s: existing org %d %s; missing org %d %s", m, exist.status, exist.body, missing.status, missing.body)
			}
			if d := cmp.Diff(exist.header, missing.header); d != "" {
				t.Fatalf("%s: headers differ between an existing and a missing org (-existing +missing):\n%s", m, d)
			}
		}
		if after := e.p.rowCounts(t, "bad"); after != before {
			t.Fatalf("rows %v -> %v", before, after)
		}
	})
	t.Run("refused PATCH left the contact as it was", func(t *testing.T) {
		r := e.p.serve("GET", "/v1/organizations/bad/contacts/"+e.contact, "", bearer(e.read))
		if r.status != 200 || r.json(t)["name"] != "Ada" {
			t.Fatalf("contact after the refused PATCHes: %d %s", r.status, r.body)
		}
	})
}

func warmKey(t *testing.T, e *badEnv, key string) {
	t.Helper()
	if r := e.p.serve("GET", "/v1/organizations/bad/contacts?limit=1", "", bearer(key)); r.status != 200 {
		t.Fatalf("warming the cache: %d %s", r.status, r.body)
	}
}

func keyID(token string) string {
	id, err := apikey.Parse(token)
	if err != nil {
		panic(err)
	}
	return id
}

// forgeKey returns a well-formed key text (valid checksum) that no Service
// minted.
func forgeKey(prefix, id string) string {
	body := prefix + "_" + id + "_" + randomBase62(apikey.SecretLen)
	token := body + checksum(body)
	if _, err := apikey.ParseWithPrefix(token, prefix); err != nil {
		panic(fmt.Sprintf("forged key %s does not parse: %v", token, err))
	}
	return token
}

// checksum is the key format's checksum of body: its CRC-32/IEEE as six
// base62 digits, most significant first.
func checksum(body string) string {
	sum := make([]byte, apikey.ChecksumLen)
	v := crc32.ChecksumIEEE([]byte(body))
	for i := len(sum) - 1; i >= 0; i-- {
		sum[i] = base62[v%62]
		v /= 62
	}
	return string(sum)
}

// flipLast changes the last checksum digit of token.
func flipLast(token string) string {
	last := byte('0')
	if token[len(token)-1] == '0' {
		last = '1'
	}
	return token[:len(token)-1] + string(last)
}
