package apikey_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func TestHashWaitEndsInUnavailable(t *testing.T) {
	e := newEnv(t, func(c *apikey.Config) { c.MaxConcurrentHashes = 1; c.HashWait = 30 * time.Millisecond })
	_, token := e.key("org1")
	// A slow argon2id run holds the only slot.
	release, err := apikey.HoldHashSlot(t.Context(), e.svc)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, err := e.auth(token)
		checkOneOutcome(t, err, apikey.ErrUnavailable)
	}
	if st := e.svc.Stats(); st.HashTimeouts != 3 || st.HashRuns != 0 || st.Invalid != 0 {
		t.Fatalf("stats %+v", st)
	}
	release()
	mustAuth(t, e, token)
	if n := apikey.HashSlotsInUse(e.svc); n != 0 {
		t.Fatalf("%d slots in use after the run", n)
	}
}

func TestCancelledWaiterTakesNothing(t *testing.T) {
	e := newEnv(t, func(c *apikey.Config) {
		c.MaxConcurrentHashes = 1
		c.HashWait = time.Minute
	})
	k, token := e.key("org1")
	untag(t, e, k.ID) // so that the wrong secret, too, waits for argon2id
	release, err := apikey.HoldHashSlot(t.Context(), e.svc)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{token, keytest.WrongSecret(token)} {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err := e.svc.Authenticate(ctx, tok)
		checkOneOutcome(t, watchErr(err), apikey.ErrUnavailable)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Authenticate = %v, want it to name the cancellation", err)
		}
		if n := apikey.HashSlotsInUse(e.svc); n != 1 {
			t.Fatalf("%d slots in use; only the held one should be", n)
		}
	}
	if st := e.svc.Stats(); st.HashRuns != 0 || st.Invalid != 0 || st.HashTimeouts != 0 {
		t.Fatalf("stats %+v", st)
	}
	release()
	if n := apikey.HashSlotsInUse(e.svc); n != 0 {
		t.Fatalf("%d slots in use after release", n)
	}
	mustAuth(t, e, token)
}

func TestSlowHashMakesWaitersUnavailable(t *testing.T) {
	// A key hashed with heavy parameters takes the only slot for a while
	// (tens of milliseconds even on a fast machine); a request for another
	// key that arrives meanwhile gives up after HashWait.
	e := newEnv(t, func(c *apikey.Config) {
		c.MaxConcurrentHashes = 1
		c.HashWait = time.Millisecond
		c.Hash = apikey.HashParams{Memory: 32 * 1024, Iterations: 2}
	})
	_, slow := e.key("org1")
	light := newEnv(t) // mints a cheap key, copied into e's store
	_, fast := light.key("org1")
	if err := e.mem.Create(t.Context(), mustRecord(t, light, fast)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := e.auth(slow); done <- err }()
	for apikey.HashSlotsInUse(e.svc) == 0 {
		select {
		case err := <-done:
			t.Fatalf("the slow hash finished before it was seen running: %v", err)
		default:
			time.Sleep(50 * time.Microsecond)
		}
	}
	_, err := e.auth(fast)
	checkOneOutcome(t, err, apikey.ErrUnavailable)
	if err := <-done; err != nil {
		t.Fatalf("the slow request: %v", err)
	}
	mustAuth(t, e, fast) // the slot is free again
	if st := e.svc.Stats(); st.HashTimeouts != 1 || st.HashRuns != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// mustRecord returns the stored record of token's key in e.
func mustRecord(t *testing.T, e *env, token string) apikey.Record {
	t.Helper()
	id, err := apikey.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.store.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
