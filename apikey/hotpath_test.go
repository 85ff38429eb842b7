package apikey_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// The promises of the request path: docs/architecture.md, "The request
// path" and "The cache and its invariants".

func TestConcurrentFirstRequestsRunArgon2idOnce(t *testing.T) {
	e := newEnv(t)
	e.sync()
	k, token := e.key("org1")
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p, err := e.auth(token)
			if err == nil && p.KeyID != k.ID {
				err = fmt.Errorf("principal %+v", p)
			}
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a first request failed: %v", err)
		}
	}
	if st := e.svc.Stats(); st.HashRuns != 1 {
		t.Fatalf("50 concurrent first requests ran argon2id %d times, want 1", st.HashRuns)
	}
}

func TestUnknownIDNeverReachesArgon2id(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.key("org1")
	for i := range 1000 {
		// Well-formed keys with a valid checksum and ids that do not exist.
		token := keytest.Forge(apikey.DefaultPrefix, fmt.Sprintf("Unknwn%06d", i))
		wantAuthErr(t, e, token, apikey.ErrInvalidKey)
	}
	if st := e.svc.Stats(); st.HashRuns != 0 || st.Invalid != 1000 || st.UnknownIDs != 1000 {
		t.Fatalf("HashRuns %d (want 0), Invalid %d, UnknownIDs %d (want 1000)", st.HashRuns, st.Invalid, st.UnknownIDs)
	}
}

func TestRevokeOnThisInstanceTakesEffectOnTheNextRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sync() // the feed is fresh: cached keys are trusted without the store
	k, token := e.key("org1")
	mustAuth(t, e, token)
	mustAuth(t, e, token)
	if st := e.svc.Stats(); st.CacheHits < 1 || st.CachedKeys != 1 {
		t.Fatalf("key not served from the cache: %+v", st)
	}
	if _, err := e.svc.Revoke(t.Context(), "org1", k.ID); err != nil {
		t.Fatal(err)
	}
	wantAuthErr(t, e, token, apikey.ErrKeyRevoked)
	if st := e.svc.Stats(); st.HashRuns != 1 || st.CachedKeys != 1 {
		t.Fatalf("the refusal did not come from the cache: %+v", st)
	}
}

func TestExpiredAtItsExpiryInstant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expires := t0.Add(time.Hour)
	_, token := e.create("org1", "k", apikey.Read, expires)
	e.clock.Set(expires.Add(-time.Second))
	e.sync()
	mustAuth(t, e, token) // cached from here on
	e.clock.Set(expires.Add(-time.Nanosecond))
	mustAuth(t, e, token)
	e.clock.Set(expires)
	wantAuthErr(t, e, token, apikey.ErrKeyExpired)
	e.clock.Set(expires.Add(time.Nanosecond))
	wantAuthErr(t, e, token, apikey.ErrKeyExpired)
	if st := e.svc.Stats(); st.HashRuns != 1 || st.Expired != 2 {
		t.Fatalf("HashRuns %d (want 1), Expired %d (want 2)", st.HashRuns, st.Expired)
	}
}
