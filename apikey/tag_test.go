package apikey_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// forged returns a well-formed key with the id of token, a random secret
// and a valid checksum: what anyone who knows the public prefix can make.
func forged(token string) string { return keytest.WrongSecret(token) }

// forgeConcurrently sends n forged keys for token's id from workers
// goroutines, each advancing the clock by step first, and fails the test
// unless every one is refused as invalid.
func forgeConcurrently(t *testing.T, e *env, token string, n, workers int, step time.Duration) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				e.clock.Advance(step)
				if _, err := e.auth(forged(token)); !errors.Is(err, apikey.ErrInvalidKey) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a forged key: %v, want ErrInvalidKey", err)
	}
}

// TestForgedKeysNeverReachArgon2id (issue acceptance 1, on memstore; the
// SQL stores in store/sqlstore's TestForgedKeysCostOneStatement): 2,000
// forged keys for a victim's id, on a Service that has never seen the key,
// run argon2id zero times and read the store once; then the victim's real
// key authenticates with one run, from the same read.
func TestForgedKeysNeverReachArgon2id(t *testing.T) {
	t.Parallel()
	owner := newEnv(t)
	_, victim := owner.key("org1")
	e, fs := newFaultEnv(t)
	e.mem = owner.mem
	fs.Store = owner.mem
	forgeConcurrently(t, e, victim, 2000, 16, 0)
	st := e.svc.Stats()
	if st.HashRuns != 0 || st.TagRejects != 2000 || st.Invalid != 2000 {
		t.Fatalf("after 2,000 forged keys: HashRuns %d (want 0), TagRejects %d, Invalid %d (want 2,000)", st.HashRuns, st.TagRejects, st.Invalid)
	}
	if got := fs.getCount(); got != 1 || st.StoreReads != 1 {
		t.Fatalf("2,000 forged keys within a second: %d store reads (Stats %d), want 1", got, st.StoreReads)
	}
	mustAuth(t, e, victim)
	if st := e.svc.Stats(); st.HashRuns != 1 || fs.getCount() != 1 {
		t.Fatalf("the victim's key: HashRuns %d (want 1), store reads %d (want still 1)", st.HashRuns, fs.getCount())
	}
}

// TestNoLockOut (issue acceptance 2): 10,000 forged keys for one id, then
// the real key, on a second Service that never saw the key, all within one
// minute, never yield an error for the real key; nor does the real key sent
// in the middle of the flood, to fresh Services, at any point.
func TestNoLockOut(t *testing.T) {
	t.Parallel()
	owner := newEnv(t)
	_, victim := owner.key("org1")
	second := owner.sibling()
	// 10,000 forged keys over 50 s of the clock, 5 ms apart.
	forgeConcurrently(t, second, victim, 10_000, 8, 5*time.Millisecond)
	if p, err := second.auth(victim); err != nil {
		t.Fatalf("the real key after the flood: %v", err)
	} else if p.OrgID != "org1" {
		t.Fatalf("principal %+v", p)
	}
	if st := second.svc.Stats(); st.HashRuns != 1 {
		t.Fatalf("HashRuns = %d, want 1 (the real key)", st.HashRuns)
	}
	// The holder's key, interleaved with a flood, on instances that never
	// saw it (a restart, a new instance) and on one that did.
	for round := range 5 {
		fresh := owner.sibling()
		var wg sync.WaitGroup
		wg.Go(func() { forgeConcurrently(t, fresh, victim, 500, 4, 0) })
		for range 20 {
			if _, err := fresh.auth(victim); err != nil {
				t.Fatalf("round %d: the real key during the flood: %v", round, err)
			}
			if _, err := second.auth(victim); err != nil {
				t.Fatalf("round %d: the real key on the instance that verified it: %v", round, err)
			}
		}
		wg.Wait()
		if st := fresh.svc.Stats(); st.HashRuns != 1 {
			t.Fatalf("round %d: HashRuns = %d, want 1", round, st.HashRuns)
		}
	}
}

// TestTaglessRowGetsItsTag (issue acceptance 3): a row as the previous
// schema wrote it, without a tag, verifies with argon2id as before (a
// wrong secret too), gets its tag on its first success, and from then on
// wrong secrets no longer run argon2id, on any instance.
func TestTaglessRowGetsItsTag(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	k, token := e.key("org1")
	untag(t, e, k.ID)
	cold := e.sibling()
	wantAuthErr(t, cold, keytest.WrongSecret(token), apikey.ErrInvalidKey)
	if st := cold.svc.Stats(); st.HashRuns != 1 || st.HashFailures != 1 || st.TagsWritten != 0 {
		t.Fatalf("a wrong secret for a row without a tag: %+v, want one failed argon2id run and no tag", st)
	}
	mustAuth(t, cold, token)
	if st := cold.svc.Stats(); st.HashRuns != 2 || st.TagsWritten != 1 {
		t.Fatalf("the right secret: HashRuns %d (want 2), TagsWritten %d (want 1)", st.HashRuns, st.TagsWritten)
	}
	if r := mustRecord(t, e, token); r.Tag == "" {
		t.Fatal("no tag stored after the first successful verification")
	}
	for _, other := range []*env{cold, e.sibling()} {
		before := other.svc.Stats().HashRuns
		for range 50 {
			wantAuthErr(t, other, forged(token), apikey.ErrInvalidKey)
		}
		if st := other.svc.Stats(); st.HashRuns != before {
			t.Fatalf("wrong secrets after the tag was written ran argon2id %d times", st.HashRuns-before)
		}
	}
	if n := fs.tagCount(); n != 1 {
		t.Fatalf("%d tag writes, want 1", n)
	}
}

// A row whose tag was made under another tag key (one added, changed or
// removed) is checked with argon2id and retagged: changing the key never
// refuses a right secret.
func TestTagKeyChangeNeverRefusesTheRightSecret(t *testing.T) {
	t.Parallel()
	keyA := []byte("0123456789abcdef0123456789abcdef")
	keyB := []byte("fedcba9876543210fedcba9876543210")
	withTagKey := func(k []byte) option { return func(c *apikey.Config) { c.TagKey = k } }
	e := newEnv(t)
	_, token := e.key("org1") // tagged with plain SHA-256
	plain := mustRecord(t, e, token).Tag
	last := plain
	for i, key := range [][]byte{keyA, keyB, nil} {
		s := e.sibling(withTagKey(key))
		mustAuth(t, s, token)
		tag := mustRecord(t, e, token).Tag
		if tag == last {
			t.Fatalf("step %d: the tag was not rewritten in the new construction (%q)", i, tag)
		}
		last = tag
		// A fresh instance with the same tag key refuses wrong secrets by
		// the tag alone.
		f := e.sibling(withTagKey(key))
		for range 20 {
			wantAuthErr(t, f, forged(token), apikey.ErrInvalidKey)
		}
		if st := f.svc.Stats(); st.HashRuns != 0 || st.TagRejects != 20 {
			t.Fatalf("step %d: HashRuns %d, TagRejects %d; want 0 and 20", i, st.HashRuns, st.TagRejects)
		}
	}
	if last != plain {
		t.Fatalf("back to no tag key: tag %q, want the plain one %q", last, plain)
	}
	if _, err := apikey.NewService(apikey.Config{Store: e.mem, TagKey: []byte("short")}); err == nil {
		t.Fatal("a tag key of 5 bytes was accepted")
	}
}

// A failed tag write fails nothing: the key is verified and cached, and
// the write is tried again on its next verification.
func TestTagWriteFailureFailsNothing(t *testing.T) {
	t.Parallel()
	e, fs := newFaultEnv(t)
	k, token := e.key("org1")
	untag(t, e, k.ID)
	fs.set(func(f *faultStore) { f.failTag = true })
	mustAuth(t, e, token)
	mustAuth(t, e, token)
	if st := e.svc.Stats(); st.TagWriteFailures != 1 || st.TagsWritten != 0 || st.HashRuns != 1 {
		t.Fatalf("stats %+v", st)
	}
	if r := mustRecord(t, e, token); r.Tag != "" {
		t.Fatalf("tag %q stored by a failing store", r.Tag)
	}
	fs.set(func(f *faultStore) { f.failTag = false })
	other := e.sibling(withStore(fs))
	mustAuth(t, other, token)
	if r := mustRecord(t, e, token); r.Tag == "" {
		t.Fatal("the next verification did not write the tag")
	}
}
