package apikey_test

import (
	"errors"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func storedLastUsed(t *testing.T, e *env, id string) time.Time {
	t.Helper()
	r, err := e.mem.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.LastUsedAt
}

func TestLastUsedIsBatchedAndRetried(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	k1, tok1 := e.key("org1")
	k2, tok2 := e.key("org2")
	e.sync()
	mustAuth(t, e, tok1)
	e.clock.Advance(time.Second)
	mustAuth(t, e, tok2)
	wantAuthErr(t, e, keytest.WrongSecret(tok1), apikey.ErrInvalidKey)
	if got := len(fs.batches()); got != 0 {
		t.Fatalf("%d RecordUse calls before Flush: the request path wrote", got)
	}

	// A failed write fails no request and is retried.
	fs.set(func(f *faultStore) { f.failUse = true })
	if err := watchErr(e.svc.Flush(t.Context())); !errors.Is(err, apikey.ErrUnavailable) {
		t.Fatalf("Flush with the store down = %v", err)
	}
	e.clock.Advance(time.Second)
	mustAuth(t, e, tok1) // t0+2s
	fs.set(func(f *faultStore) { f.failUse = false })
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := fs.batches()
	if len(b) != 2 || len(b[1]) != 2 {
		t.Fatalf("RecordUse batches %v, want a failed one then one of 2 uses", b)
	}
	if got := storedLastUsed(t, e, k1.ID); !got.Equal(t0.Add(2 * time.Second)) {
		t.Fatalf("key 1 last used %v, want %v", got, t0.Add(2*time.Second))
	}
	if got := storedLastUsed(t, e, k2.ID); !got.Equal(t0.Add(time.Second)) {
		t.Fatalf("key 2 last used %v, want %v", got, t0.Add(time.Second))
	}
	// Nothing new: no write at all.
	if err := e.svc.Flush(t.Context()); err != nil || len(fs.batches()) != 2 {
		t.Fatalf("an empty Flush wrote: %v, %d batches", err, len(fs.batches()))
	}
	if st := e.svc.Stats(); st.Flushes != 1 || st.FlushFailures != 1 || st.LastUseWritten != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLastUsedOnlyMovesForward(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	e.clock.Set(t0.Add(time.Hour))
	e.sync()
	mustAuth(t, e, token)
	e.clock.Set(t0.Add(time.Minute)) // the clock steps back
	mustAuth(t, e, token)
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := storedLastUsed(t, e, k.ID); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("last used %v, want %v", got, t0.Add(time.Hour))
	}
	// Another instance wrote a later time: an older one does not undo it.
	other := e.sibling()
	e.clock.Set(t0.Add(2 * time.Hour))
	other.sync()
	mustAuth(t, other, token)
	if err := other.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(t0.Add(90 * time.Minute))
	mustAuth(t, e, token)
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := storedLastUsed(t, e, k.ID); !got.Equal(t0.Add(2 * time.Hour)) {
		t.Fatalf("last used %v, want %v", got, t0.Add(2*time.Hour))
	}
}

func TestLastUsedSurvivesEviction(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t, func(c *apikey.Config) { c.CacheSize = 2 })
	e.sync()
	var keys []apikey.Key
	for i := range 5 {
		k, token := e.key("org1")
		keys = append(keys, k)
		e.clock.Set(t0.Add(time.Duration(i+1) * time.Second))
		mustAuth(t, e, token)
	}
	if st := e.svc.Stats(); st.CachedKeys > 2 {
		t.Fatalf("CachedKeys = %d over CacheSize 2", st.CachedKeys)
	}
	if err := e.svc.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if b := fs.batches(); len(b) != 1 || len(b[0]) != 5 {
		t.Fatalf("RecordUse batches %v, want one of 5", b)
	}
	for i, k := range keys {
		if got, want := storedLastUsed(t, e, k.ID), t0.Add(time.Duration(i+1)*time.Second); !got.Equal(want) {
			t.Fatalf("key %d last used %v, want %v", i, got, want)
		}
	}
	// Written once: the next Flush has nothing to do.
	if err := e.svc.Flush(t.Context()); err != nil || len(fs.batches()) != 1 {
		t.Fatalf("second Flush: %v, %d batches", err, len(fs.batches()))
	}
}

func TestCloseFlushes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	e.clock.Advance(time.Minute)
	mustAuth(t, e, token)
	if err := e.svc.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := storedLastUsed(t, e, k.ID); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("last used after Close %v, want %v", got, t0.Add(time.Minute))
	}
	if err := e.svc.Close(t.Context()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	mustAuth(t, e, token) // Authenticate keeps working after Close
	page, err := e.svc.List(t.Context(), "org1", apikey.ListOptions{})
	if err != nil || len(page.Keys) != 1 || !page.Keys[0].LastUsedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("List shows %+v, %v", page.Keys, err)
	}
}
