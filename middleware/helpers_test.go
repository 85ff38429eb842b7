package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/memstore"
)

// logs collects every log line of this package's tests, from the
// middleware and the Services alike; TestMain scans it for keys.
var logs lockedBuffer

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var testLogger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

// minted holds every key text the tests created or forged, so TestMain can
// look for each one literally as well as by pattern.
var minted struct {
	mu   sync.Mutex
	keys []string
}

func remember(token string) string {
	minted.mu.Lock()
	minted.keys = append(minted.keys, token)
	minted.mu.Unlock()
	return token
}

// TestMain runs the tests, then fails the run if any log line the tests
// produced holds a key.
func TestMain(m *testing.M) {
	code := m.Run()
	out := logs.String()
	if loc := keytest.Text.FindStringIndex(out); loc != nil {
		fmt.Fprintf(os.Stderr, "FAIL: a log line holds key-shaped text near %q\n", context300(out, loc[0]))
		code = 1
	}
	minted.mu.Lock()
	for _, k := range minted.keys {
		if len(k) >= 8 && strings.Contains(out, k) {
			fmt.Fprintf(os.Stderr, "FAIL: a log line holds a key the tests used (%d bytes)\n", len(k))
			code = 1
			break
		}
	}
	minted.mu.Unlock()
	os.Exit(code)
}

func context300(s string, at int) string {
	lo := max(0, at-150)
	hi := min(len(s), at+3)
	return s[lo:hi] + "..."
}

// t0 is the start of every fake clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fast argon2id parameters: tests do not measure hashing.
var fastHash = apikey.HashParams{Memory: 8 * 1024, Iterations: 1}

// countingStore wraps a memstore: it counts writes and can make Get fail,
// hang or return another hash.
type countingStore struct {
	*memstore.Store
	creates, revokes, rotates, recordUses atomic.Int64
	usedIDs                               sync.Map // id → true, from RecordUse

	mu     sync.Mutex
	getErr error             // Get fails with it
	hang   bool              // Get blocks until its context ends
	hashes map[string]string // id → hash Get returns instead of the stored one
	gotten chan string       // receives each id Get returned, if set
}

func newCountingStore() *countingStore {
	return &countingStore{Store: memstore.New(), hashes: map[string]string{}}
}

func (s *countingStore) Create(ctx context.Context, r apikey.Record) error {
	s.creates.Add(1)
	return s.Store.Create(ctx, r)
}

func (s *countingStore) Revoke(ctx context.Context, org, id string, at time.Time) (apikey.Key, error) {
	s.revokes.Add(1)
	return s.Store.Revoke(ctx, org, id, at)
}

func (s *countingStore) Rotate(ctx context.Context, r apikey.Rotation) (apikey.Key, error) {
	s.rotates.Add(1)
	return s.Store.Rotate(ctx, r)
}

func (s *countingStore) RecordUse(ctx context.Context, uses []apikey.Use) error {
	s.recordUses.Add(1)
	for _, u := range uses {
		s.usedIDs.Store(u.ID, true)
	}
	return s.Store.RecordUse(ctx, uses)
}

func (s *countingStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	s.mu.Lock()
	getErr, hang, gotten := s.getErr, s.hang, s.gotten
	hash, hasHash := s.hashes[id]
	s.mu.Unlock()
	if hang {
		<-ctx.Done()
		return apikey.Record{}, ctx.Err()
	}
	if getErr != nil {
		return apikey.Record{}, getErr
	}
	r, err := s.Store.Get(ctx, id)
	if err == nil && hasHash {
		r.Hash = hash
	}
	if gotten != nil {
		gotten <- id
	}
	return r, err
}

// writes counts every store write but last-used times.
func (s *countingStore) writes() int64 {
	return s.creates.Load() + s.revokes.Load() + s.rotates.Load()
}

func (s *countingStore) reset() {
	s.creates.Store(0)
	s.revokes.Store(0)
	s.rotates.Store(0)
	s.recordUses.Store(0)
	s.usedIDs.Clear()
}

func (s *countingStore) set(f func(s *countingStore)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// authFunc adapts a function to middleware.Authenticator.
type authFunc func(ctx context.Context, token string) (apikey.Principal, error)

func (f authFunc) Authenticate(ctx context.Context, token string) (apikey.Principal, error) {
	return f(ctx, token)
}

// env is a Service on a countingStore, a Middleware and a ServeMux with
// org-scoped routes, and keys: a read and a write key of "acme", a write
// key of "globex".
type env struct {
	store *countingStore
	clock *keytest.Clock
	svc   *apikey.Service
	mw    *middleware.Middleware
	mux   *http.ServeMux

	read, write, other string
	readKey, writeKey  apikey.Key
}

func newEnv(t testing.TB, tweak func(*apikey.Config), tweakMW func(*middleware.Config)) *env {
	t.Helper()
	e := &env{store: newCountingStore(), clock: keytest.NewClock(t0)}
	cfg := apikey.Config{Store: e.store, Hash: fastHash, Now: e.clock.Now, Logger: testLogger}
	if tweak != nil {
		tweak(&cfg)
	}
	svc, err := apikey.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	mcfg := middleware.Config{Authenticator: svc, Logger: testLogger}
	if tweakMW != nil {
		tweakMW(&mcfg)
	}
	if e.mw, err = middleware.New(mcfg); err != nil {
		t.Fatal(err)
	}
	// Minting runs argon2id, slow under -race: every env gets copies of
	// the same three records instead.
	fx := loadFixtures(t)
	for _, r := range fx.records {
		if err := e.store.Store.Create(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	e.readKey, e.writeKey = fx.records[0].Key, fx.records[1].Key
	e.read, e.write, e.other = fx.tokens[0], fx.tokens[1], fx.tokens[2]
	e.mux = http.NewServeMux()
	e.mux.Handle("/v1/organizations/{orgId}/", e.mw.Handler(whoami))
	e.mux.Handle("/v1/organizations/{orgId}/reports", e.mw.Require(apikey.Read)(whoami))
	e.mux.Handle("/v1/organizations/{orgId}/purge", e.mw.Require(apikey.Write)(whoami))
	return e
}

type fixtureSet struct {
	once    sync.Once
	records []apikey.Record
	tokens  []string
	err     error
}

var fixtures fixtureSet

// loadFixtures mints a read and a write key of "acme" and a write key of
// "globex", once.
func loadFixtures(t testing.TB) *fixtureSet {
	fixtures.once.Do(func() {
		store := memstore.New()
		svc, err := apikey.NewService(apikey.Config{Store: store, Hash: fastHash, Now: keytest.NewClock(t0).Now})
		if err != nil {
			fixtures.err = err
			return
		}
		for _, p := range []apikey.CreateParams{
			{OrgID: "acme", Name: "acme read", Permission: apikey.Read},
			{OrgID: "acme", Name: "acme write", Permission: apikey.Write},
			{OrgID: "globex", Name: "globex write", Permission: apikey.Write},
		} {
			k, secret, err := svc.Create(context.Background(), p)
			if err != nil {
				fixtures.err = err
				return
			}
			r, err := store.Get(context.Background(), k.ID)
			if err != nil {
				fixtures.err = err
				return
			}
			fixtures.records = append(fixtures.records, r)
			fixtures.tokens = append(fixtures.tokens, remember(secret.Reveal()))
		}
	})
	if fixtures.err != nil {
		t.Fatal(fixtures.err)
	}
	return &fixtures
}

func (e *env) create(t testing.TB, org string, p apikey.Permission, expires time.Time) (apikey.Key, string) {
	t.Helper()
	k, secret, err := e.svc.Create(context.Background(), apikey.CreateParams{
		OrgID: org, Name: org + " " + p.String(), Permission: p, ExpiresAt: expires,
	})
	if err != nil {
		t.Fatal(err)
	}
	return k, remember(secret.Reveal())
}

// whoami answers 200 with the principal the middleware put in the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := apikey.FromContext(r.Context())
	if !ok {
		http.Error(w, "no principal", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"key_id": p.KeyID, "org_id": p.OrgID, "permission": p.Permission.String(), "prefix": p.Prefix,
	})
})

// request builds a request with the given Authorization header values.
func request(method, target string, auth ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for _, a := range auth {
		r.Header.Add("Authorization", a)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// checkAnswer asserts status and code; for a problem it also checks the
// body's shape, and that no key text came back in it.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, status int, code string, tokens ...string) problemBody {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	body := rec.Body.String()
	for _, tok := range tokens {
		if len(tok) >= 8 && strings.Contains(body, tok) {
			t.Fatalf("the answer holds the presented key")
		}
	}
	if keytest.Text.MatchString(body) {
		t.Fatalf("the answer holds key-shaped text: %s", body)
	}
	if status == http.StatusOK {
		return problemBody{}
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var p problemBody
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	want := problemBody{Type: "about:blank", Title: http.StatusText(status), Status: status, Code: code}
	if d := cmp.Diff(want, p, cmpopts.IgnoreFields(problemBody{}, "Detail")); d != "" {
		t.Errorf("problem body differs (-want +got):\n%s", d)
	}
	if p.Detail == "" {
		t.Errorf("problem body %+v has no detail", p)
	}
	return p
}
