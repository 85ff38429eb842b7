package keyadmin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzAPIBody sends any body to create and rotate: the answer is a
// decision (201, 400, 409, 415, 422), never a 500, and never a key for a
// body that is not a valid request.
func FuzzAPIBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"n","permission":"read"}`, `{"grace":"1h"}`, `{"name":1}`, `[]`, `null`, `{"expires_at":"2027-01-01T00:00:00Z"}`,
		"{\"name\":\"\xff\"}", `{"name":"n","permission":"read"}{}`, `{"grace":"-1s"}`, "",
	} {
		f.Add(s)
	}
	e := newEnv(f, nil)
	id := ""
	f.Fuzz(func(t *testing.T, body string) {
		e.t = t
		if id == "" {
			id = e.createKey("target")["id"].(string)
		}
		for _, path := range []string{api + "/api-keys", api + "/api-keys/" + id + "/rotate"} {
			r := e.do("admin", http.MethodPost, path, body)
			switch r.status {
			case 200, 201, 400, 409, 415, 422:
			default:
				t.Fatalf("POST %s with %q: %d %s", path, body, r.status, r.body)
			}
			if r.status >= 400 && strings.Contains(r.body, `"key"`) {
				t.Fatalf("a refusal holds a key: %s", r.body)
			}
		}
	})
}

// FuzzPaths sends any path below the mounts: never a 500 or a panic, and
// a redirect only to this server.
func FuzzPaths(f *testing.F) {
	for _, s := range []string{"", "/", "/new", "/x/revoke", "/activity", "/assets/app.css", "/%2e%2e/x", "//evil.example", "/a/b/c/d"} {
		f.Add(s)
	}
	e := newEnv(f, nil)
	f.Fuzz(func(t *testing.T, rest string) {
		e.t = t
		for _, base := range []string{page, api} {
			u, err := url.Parse(base + rest)
			if err != nil || u.Host != "" || u.Scheme != "" || strings.ContainsAny(u.RequestURI(), " \t\r\n") {
				return // not a request line a client can send
			}
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				r := e.do("alice", method, u.RequestURI(), "")
				if r.status >= 500 {
					t.Fatalf("%s %s: %d", method, u.RequestURI(), r.status)
				}
				if loc := r.header.Get("Location"); loc != "" && (!strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//")) {
					t.Fatalf("%s %s redirects to %q", method, u.RequestURI(), loc)
				}
			}
		}
	})
}
