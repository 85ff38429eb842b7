package apikey_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/store/memstore"
)

// fastHash keeps argon2id cheap in tests that do not measure it.
var fastHash = apikey.HashParams{Memory: 8 * 1024, Iterations: 1}

// t0 is the start of every fake clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// leakWatch gathers every log line and error text the suite produces, and
// every key it mints; TestMain fails the run if any of the text holds a
// key: one it minted, or any text shaped like a key of any prefix
// (keytest.Text).
var leakWatch struct {
	mu   sync.Mutex
	text []string
	keys []string
}

func watchText(s string) {
	if s == "" {
		return
	}
	leakWatch.mu.Lock()
	leakWatch.text = append(leakWatch.text, s)
	leakWatch.mu.Unlock()
}

func watchKey(k string) {
	if k == "" {
		return
	}
	leakWatch.mu.Lock()
	leakWatch.keys = append(leakWatch.keys, k)
	leakWatch.mu.Unlock()
}

// watchErr records an error's text and returns the error unchanged.
func watchErr(err error) error {
	if err != nil {
		watchText(err.Error())
		watchText(fmt.Sprintf("%+v", err))
	}
	return err
}

// leaks returns the pieces of text that hold a key: key-shaped text of any
// prefix, or a key minted in this run.
func leaks(texts []string) []string {
	leakWatch.mu.Lock()
	defer leakWatch.mu.Unlock()
	var out []string
	for _, s := range texts {
		bad := keytest.Text.MatchString(s)
		for _, k := range leakWatch.keys {
			bad = bad || strings.Contains(s, k)
		}
		if bad {
			out = append(out, s)
		}
	}
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	leakWatch.mu.Lock()
	texts := append([]string(nil), leakWatch.text...)
	n := len(leakWatch.keys)
	leakWatch.mu.Unlock()
	if bad := leaks(texts); len(bad) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d log lines or error texts contain a key (first: %d bytes)\n", len(bad), len(bad[0]))
		code = 1
	} else if code == 0 && testing.Verbose() {
		fmt.Printf("leak watch: %d texts checked against %d minted keys, none holds a key\n", len(texts), n)
	}
	os.Exit(code)
}

// logSink is an io.Writer that keeps every log line for the leak watch.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *logSink) Write(p []byte) (int, error) {
	watchText(string(p))
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *logSink) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func newLogger(w *logSink) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// env is one Service under test with what it stands on.
type env struct {
	t     testing.TB
	svc   *apikey.Service
	mem   *memstore.Store
	store apikey.Store // what the Service uses: mem, or a wrapper of it
	clock *keytest.Clock
	logs  *logSink
}

type option func(*apikey.Config)

// newEnv builds a Service on a fresh memstore, with fast hashing, a fake
// clock and a captured logger. Options adjust the Config.
func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	m := memstore.New()
	e := &env{t: t, mem: m, store: m, clock: keytest.NewClock(t0)}
	e.store = e.start(opts)
	return e
}

// sibling is a second Service on the same store and clock, as another
// process would be.
func (e *env) sibling(opts ...option) *env {
	e.t.Helper()
	o := &env{t: e.t, mem: e.mem, store: e.store, clock: e.clock}
	o.start(opts)
	return o
}

// start makes e's Service on e.store with e's clock and a logger of its
// own, after opts, and returns the store the Service uses.
func (e *env) start(opts []option) apikey.Store {
	e.t.Helper()
	e.logs = &logSink{}
	cfg := apikey.Config{
		Store:  e.store,
		Hash:   fastHash,
		Now:    e.clock.Now,
		Logger: newLogger(e.logs),
	}
	for _, o := range opts {
		o(&cfg)
	}
	svc, err := apikey.NewService(cfg)
	if err != nil {
		e.t.Fatalf("NewService: %v", err)
	}
	e.svc = svc
	return cfg.Store
}

func withStore(s apikey.Store) option { return func(c *apikey.Config) { c.Store = s } }

// create mints a key and registers it with the leak watch.
func (e *env) create(org, name string, perm apikey.Permission, expires time.Time) (apikey.Key, string) {
	e.t.Helper()
	k, sec, err := e.svc.Create(context.Background(), apikey.CreateParams{OrgID: org, Name: name, Permission: perm, ExpiresAt: expires})
	if err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	watchKey(sec.Reveal())
	return k, sec.Reveal()
}

func (e *env) key(org string) (apikey.Key, string) {
	e.t.Helper()
	return e.create(org, "test key", apikey.Write, time.Time{})
}

func (e *env) auth(token string) (apikey.Principal, error) {
	p, err := e.svc.Authenticate(context.Background(), token)
	return p, watchErr(err)
}

// sync makes the change feed fresh, so cached keys are trusted.
func (e *env) sync() {
	e.t.Helper()
	if err := e.svc.Sync(context.Background()); err != nil {
		e.t.Fatalf("Sync: %v", err)
	}
}

func mustAuth(t testing.TB, e *env, token string) apikey.Principal {
	t.Helper()
	p, err := e.auth(token)
	if err != nil {
		t.Fatalf("Authenticate: %v, want success", err)
	}
	return p
}

func wantAuthErr(t testing.TB, e *env, token string, want error) {
	t.Helper()
	if _, err := e.auth(token); !errors.Is(err, want) {
		t.Fatalf("Authenticate: %v, want %v", err, want)
	}
}

// faultStore wraps a Store: each operation can be made to fail or to hang
// until its context ends, and Get can run a hook after reading.
type faultStore struct {
	apikey.Store

	mu          sync.Mutex
	failGet     bool
	failChanges bool
	failUse     bool
	hang        bool
	hangChanges bool // Changes alone hangs until its context ends
	failTag     bool
	afterGet    func(apikey.Record)       // called after a successful read, before Get returns
	onChanges   func(ctx context.Context) // called as Changes starts
	gets        int
	tags        int // SetTag calls
	useBatches  [][]apikey.Use
}

var errStoreDown = errors.New("faultstore: connection refused")

func (f *faultStore) set(fn func(f *faultStore)) {
	f.mu.Lock()
	fn(f)
	f.mu.Unlock()
}

func (f *faultStore) state() (failGet, failChanges, failUse, hang bool, hook func(apikey.Record)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failGet, f.failChanges, f.failUse, f.hang, f.afterGet
}

func (f *faultStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	failGet, _, _, hang, hook := f.state()
	f.mu.Lock()
	f.gets++
	f.mu.Unlock()
	if hang {
		<-ctx.Done()
		return apikey.Record{}, ctx.Err()
	}
	if failGet {
		return apikey.Record{}, errStoreDown
	}
	r, err := f.Store.Get(ctx, id)
	if err == nil && hook != nil {
		hook(r)
	}
	return r, err
}

func (f *faultStore) getCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

func (f *faultStore) Changes(ctx context.Context, cursor string) ([]apikey.Change, string, error) {
	_, failChanges, _, hang, _ := f.state()
	f.mu.Lock()
	hang = hang || f.hangChanges
	hook := f.onChanges
	f.mu.Unlock()
	if hook != nil {
		hook(ctx)
	}
	if hang {
		<-ctx.Done()
		return nil, "", ctx.Err()
	}
	if failChanges {
		return nil, "", errStoreDown
	}
	return f.Store.Changes(ctx, cursor)
}

func (f *faultStore) SetTag(ctx context.Context, id, tag string) error {
	f.mu.Lock()
	f.tags++
	fail := f.failTag
	f.mu.Unlock()
	if fail {
		return errStoreDown
	}
	return f.Store.SetTag(ctx, id, tag)
}

func (f *faultStore) tagCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tags
}

func (f *faultStore) RecordUse(ctx context.Context, uses []apikey.Use) error {
	_, _, failUse, _, _ := f.state()
	f.mu.Lock()
	f.useBatches = append(f.useBatches, append([]apikey.Use(nil), uses...))
	f.mu.Unlock()
	if failUse {
		return errStoreDown
	}
	return f.Store.RecordUse(ctx, uses)
}

func (f *faultStore) batches() [][]apikey.Use {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]apikey.Use(nil), f.useBatches...)
}

// newFaultEnv is newEnv on a faultStore over a memstore.
func newFaultEnv(t testing.TB, opts ...option) (*env, *faultStore) {
	t.Helper()
	mem := memstore.New()
	fs := &faultStore{Store: mem}
	e := newEnv(t, append([]option{withStore(fs)}, opts...)...)
	e.mem = mem
	return e, fs
}

// untag removes a key's check tag, as in a row written before tags
// existed: the Service then needs argon2id to refuse a wrong secret.
func untag(t testing.TB, e *env, id string) {
	t.Helper()
	if err := e.mem.SetTag(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
}
