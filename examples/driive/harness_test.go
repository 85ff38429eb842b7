package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/driive/keyauth/apikey"
)

// cheapHash keeps argon2id fast in tests; the cost of hashing is measured
// elsewhere.
var cheapHash = apikey.HashParams{Memory: 8 * 1024, Iterations: 1}

// testAPI is the whole HTTP handler of the server on a fresh database,
// served by httptest.
type testAPI struct {
	t    *testing.T
	url  string
	svc  *apikey.Service
	db   *database
	logs *syncBuffer
}

func newTestAPI(t *testing.T, db string) *testAPI {
	t.Helper()
	ctx := t.Context()
	d, err := openDatabase(ctx, mustParseDSN(t, db))
	if err != nil {
		t.Fatalf("openDatabase: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := apikey.NewService(apikey.Config{Store: d.keys, Hash: cheapHash, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	h, err := buildHandler(ctx, d, svc, serverConfig{AdminPassword: "correct horse", Log: log})
	if err != nil {
		t.Fatalf("buildHandler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testAPI{t: t, url: srv.URL, svc: svc, db: d, logs: logs}
}

// key creates a key and returns its text.
func (a *testAPI) key(org string, p apikey.Permission) string {
	a.t.Helper()
	_, s, err := a.svc.Create(a.t.Context(), apikey.CreateParams{OrgID: org, Name: "test " + p.String(), Permission: p})
	if err != nil {
		a.t.Fatalf("creating a key: %v", err)
	}
	return s.Reveal()
}

// response is an answer of the server.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("status %d body %q is not a JSON object: %v", r.status, r.body, err)
	}
	return m
}

func (a *testAPI) do(key, method, path, body string) response {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(a.t.Context(), method, a.url+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

// must runs a request that must answer want, and returns its JSON object.
func (a *testAPI) must(want int, key, method, path, body string) map[string]any {
	a.t.Helper()
	r := a.do(key, method, path, body)
	if r.status != want {
		a.t.Fatalf("%s %s %s: status %d, want %d; body %s", method, path, body, r.status, want, r.body)
	}
	if want == http.StatusNoContent {
		if len(r.body) != 0 {
			a.t.Fatalf("%s %s: 204 with body %q", method, path, r.body)
		}
		return nil
	}
	return r.json(a.t)
}

// problemOf checks that r is a problem+json answer with status and code,
// and returns its body.
func problemOf(t *testing.T, r response, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", ct, r.body)
	}
	p := r.json(t)
	if p["code"] != code || p["status"] != float64(status) || p["type"] == nil || p["title"] == nil || p["detail"] == nil {
		t.Fatalf("problem %s, want status %d and code %q with type, title and detail", r.body, status, code)
	}
	return p
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
