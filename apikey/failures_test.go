package apikey_test

import (
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func TestFailureBudgetStopsArgon2idForAnID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *apikey.Config) { c.FailureLimit = 3; c.FailureCoolDown = time.Minute })
	e.sync()
	k, token := e.key("org1")
	bad := keytest.WrongSecret(token)
	for range 3 {
		wantAuthErr(t, e, bad, apikey.ErrInvalidKey)
	}
	if st := e.svc.Stats(); st.HashRuns != 3 {
		t.Fatalf("HashRuns = %d after 3 wrong secrets, want 3", st.HashRuns)
	}
	if !apikey.FailuresBlocked(e.svc, k.ID) {
		t.Fatal("budget not spent after FailureLimit wrong secrets")
	}
	for range 10 {
		wantAuthErr(t, e, keytest.WrongSecret(bad), apikey.ErrInvalidKey)
	}
	if st := e.svc.Stats(); st.HashRuns != 3 || st.Throttled != 10 || st.Invalid != 13 {
		t.Fatalf("during the cool-down: HashRuns %d (want 3), Throttled %d (want 10), Invalid %d (want 13)", st.HashRuns, st.Throttled, st.Invalid)
	}
	// The budget is per id: another key is not affected.
	_, other := e.key("org1")
	mustAuth(t, e, other)
	// After the cool-down the id is checked again.
	e.clock.Advance(time.Minute)
	e.sync()
	mustAuth(t, e, token)
	if st := e.svc.Stats(); st.HashRuns != 5 {
		t.Fatalf("HashRuns = %d after the cool-down, want 5", st.HashRuns)
	}
}

func TestFailureBudgetSparesACachedKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *apikey.Config) { c.FailureLimit = 3 })
	e.sync()
	_, token := e.key("org1")
	mustAuth(t, e, token)
	for i := range 20 {
		wantAuthErr(t, e, keytest.WrongSecret(token[:20]+string("abcdefghijklmnopqrst"[i])+token[21:]), apikey.ErrInvalidKey)
		mustAuth(t, e, token)
	}
	if st := e.svc.Stats(); st.HashRuns != 1 || st.Invalid != 20 {
		t.Fatalf("HashRuns %d (want 1), Invalid %d (want 20)", st.HashRuns, st.Invalid)
	}
}

func TestFailureBudgetOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *apikey.Config) { c.FailureLimit = -1 })
	_, token := e.key("org1")
	for range 4 {
		wantAuthErr(t, e, keytest.WrongSecret(token), apikey.ErrInvalidKey)
	}
	mustAuth(t, e, token)
	if st := e.svc.Stats(); st.HashRuns != 5 || st.Throttled != 0 {
		t.Fatalf("HashRuns %d (want 5), Throttled %d", st.HashRuns, st.Throttled)
	}
}
