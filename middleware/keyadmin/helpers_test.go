package keyadmin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware/keyadmin"
	"github.com/driive/keyauth/store/memstore"
)

var fastHash = apikey.HashParams{Memory: 8 * 1024, Iterations: 1}

// The test actors, named by the X-Actor header: admin may do anything
// anywhere, alice anything in acme, viewer only look at acme.
var actors = map[string]keyadmin.Actor{
	"admin":  {ID: "admin", Name: "Admin"},
	"alice":  {ID: "u-alice", Name: "Alice"},
	"viewer": {ID: "u-viewer", Name: "Victor Viewer"},
}

func testActor(r *http.Request) (keyadmin.Actor, bool) {
	a, ok := actors[r.Header.Get("X-Actor")]
	return a, ok
}

func testAuthorize(_ context.Context, a keyadmin.Actor, org string, act keyadmin.Action) bool {
	switch a.ID {
	case "admin":
		return true
	case "u-alice":
		return org == "acme"
	case "u-viewer":
		return org == "acme" && act == keyadmin.View
	}
	return false
}

type env struct {
	t     testing.TB
	clock *keytest.Clock
	svc   *apikey.Service
	mux   *http.ServeMux
}

func newEnv(t testing.TB, tweak func(*keyadmin.Config)) *env {
	t.Helper()
	c := keytest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Hash: fastHash, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := keyadmin.Config{Service: svc, Actor: testActor, Authorize: testAuthorize, Now: c.Now,
		Challenge: `Basic realm="admin"`}
	if tweak != nil {
		tweak(&cfg)
	}
	adm, err := keyadmin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/v1/organizations/{orgId}/", adm.API())
	mux.Handle("/organizations/{orgId}/developer/api-keys", adm.Page())
	mux.Handle("/organizations/{orgId}/developer/api-keys/", adm.Page())
	mux.Handle("/whole/{orgId}/keys/", adm)
	return &env{t: t, clock: c, svc: svc, mux: mux}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %q", err, r.body)
	}
	return m
}

// do sends one request as actor ("" for none). A body is sent as JSON,
// or as a form when form is true.
func (e *env) do(actor, method, path, body string, hdr ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if actor != "" {
		r.Header.Set("X-Actor", actor)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return response{status: w.Code, header: w.Header(), body: w.Body.String()}
}

func (e *env) form(actor, path, body string, hdr ...string) response {
	e.t.Helper()
	return e.do(actor, "POST", path, body, append([]string{"Content-Type", "application/x-www-form-urlencoded"}, hdr...)...)
}

// must sends a request and fails the test unless it answers want.
func (e *env) must(want int, actor, method, path, body string) map[string]any {
	e.t.Helper()
	r := e.do(actor, method, path, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/") {
		return r.json(e.t)
	}
	return nil
}

// problemOf checks that r is a problem+json answer with status and code.
func problemOf(t *testing.T, r response, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	m := r.json(t)
	if m["code"] != code || m["status"] != float64(status) {
		t.Fatalf("problem %v, want status %d code %q", m, status, code)
	}
	return m
}

const api = "/admin/v1/organizations/acme"

// createKey creates a key in acme through the API and returns the answer.
func (e *env) createKey(name string) map[string]any {
	e.t.Helper()
	return e.must(201, "alice", "POST", api+"/api-keys", `{"name":"`+name+`","permission":"read"}`)
}

// authenticates reports whether key is accepted by the Service.
func (e *env) authenticates(key string) bool {
	_, err := e.svc.Authenticate(context.Background(), key)
	return err == nil
}
