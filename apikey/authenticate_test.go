package apikey_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// outcomes are the answers Authenticate may give; each error must match
// exactly one of them.
var outcomes = []error{apikey.ErrInvalidKey, apikey.ErrKeyExpired, apikey.ErrKeyRevoked, apikey.ErrUnavailable}

func checkOneOutcome(t *testing.T, err error, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("Authenticate = %v, want %v", err, want)
	}
	for _, o := range outcomes {
		if o != want && errors.Is(err, o) {
			t.Fatalf("Authenticate = %v matches both %v and %v", err, want, o)
		}
	}
}

func TestAuthenticateOutcomes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sync()
	live, liveToken := e.create("org1", "live", apikey.Read, time.Time{})
	exp, expToken := e.create("org1", "expiring", apikey.Write, t0.Add(time.Minute))
	rev, revToken := e.create("org2", "revoked", apikey.Write, time.Time{})
	if _, err := e.svc.Revoke(t.Context(), "org2", rev.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	e.sync()
	tests := []struct {
		desc  string
		token string
		want  error
	}{
		{"empty", "", apikey.ErrInvalidKey},
		{"garbage", "hello", apikey.ErrInvalidKey},
		{"bad checksum", liveToken[:len(liveToken)-1] + string(liveToken[len(liveToken)-1]^1), apikey.ErrInvalidKey},
		{"unknown id", keytest.WithChecksum("dk_ZZZZZZZZZZZZ_0123456789abcdefghijABCDEFGHIJxy"), apikey.ErrInvalidKey},
		{"wrong secret, live key", keytest.WrongSecret(liveToken), apikey.ErrInvalidKey},
		{"wrong secret, expired key", keytest.WrongSecret(expToken), apikey.ErrInvalidKey},
		{"wrong secret, revoked key", keytest.WrongSecret(revToken), apikey.ErrInvalidKey},
		{"another prefix", keytest.WithChecksum("xk" + liveToken[2:len(liveToken)-6]), apikey.ErrInvalidKey},
		{"expired key", expToken, apikey.ErrKeyExpired},
		{"revoked key", revToken, apikey.ErrKeyRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			// Twice: the first answer may come from the store, the second
			// from the cache.
			for range 2 {
				p, err := e.auth(tt.token)
				checkOneOutcome(t, err, tt.want)
				if p != (apikey.Principal{}) {
					t.Fatalf("a refusal came with principal %+v", p)
				}
			}
		})
	}
	t.Run("live key", func(t *testing.T) {
		for range 2 {
			p := mustAuth(t, e, liveToken)
			want := apikey.Principal{KeyID: live.ID, OrgID: "org1", Permission: apikey.Read, Name: "live", Prefix: live.Prefix}
			if d := cmp.Diff(want, p); d != "" {
				t.Fatalf("principal differs (-want +got):\n%s", d)
			}
		}
	})
	_ = exp
}

func TestRevokedAndExpiredOnlyAfterTheSecretIsProven(t *testing.T) {
	t.Parallel()
	// A fresh Service per case, so nothing is cached: the cold path must
	// not report the key's status to a caller with the wrong secret,
	// whether the tag refuses it or (a row without a tag) argon2id does.
	for _, tt := range []struct {
		desc     string
		revoke   bool
		tagless  bool
		wantRuns uint64 // for the wrong secret
	}{
		{"revoked", true, false, 0},
		{"expired", false, false, 0},
		{"revoked, row without a tag", true, true, 1},
		{"expired, row without a tag", false, true, 1},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			e := newEnv(t)
			k, token := e.create("org1", "k", apikey.Write, t0.Add(time.Hour))
			if tt.tagless {
				untag(t, e, k.ID)
			}
			if tt.revoke {
				if _, err := e.svc.Revoke(t.Context(), "org1", k.ID); err != nil {
					t.Fatal(err)
				}
			} else {
				e.clock.Advance(2 * time.Hour)
			}
			cold := e.sibling()
			_, err := cold.auth(keytest.WrongSecret(token))
			checkOneOutcome(t, err, apikey.ErrInvalidKey)
			if got := cold.svc.Stats().HashRuns; got != tt.wantRuns {
				t.Fatalf("HashRuns = %d for the wrong secret, want %d", got, tt.wantRuns)
			}
			want := apikey.ErrKeyExpired
			if tt.revoke {
				want = apikey.ErrKeyRevoked
			}
			_, err = cold.auth(token)
			checkOneOutcome(t, err, want)
			// Now cached: the wrong secret still learns nothing.
			_, err = cold.auth(keytest.WrongSecret(token))
			checkOneOutcome(t, err, apikey.ErrInvalidKey)
		})
	}
}

func TestStoreFailureIsUnavailableNeverInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc   string
		cached bool
	}{
		{"cold: key not cached", false},
		{"cached, change feed stale", true},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			e, fs := newFaultEnv(t)
			_, token := e.key("org1")
			if tt.cached {
				mustAuth(t, e, token)
				e.clock.Advance(time.Second) // its status is a second old
			}
			fs.set(func(f *faultStore) { f.failGet, f.failChanges = true, true })
			for _, tok := range []string{token, keytest.WrongSecret(token), keytest.WithChecksum("dk_ZZZZZZZZZZZZ_0123456789abcdefghijABCDEFGHIJxy")} {
				if tt.cached && tok != token {
					continue // answered from the cache without the store
				}
				_, err := e.auth(tok)
				checkOneOutcome(t, err, apikey.ErrUnavailable)
			}
			if err := watchErr(e.svc.Sync(t.Context())); !errors.Is(err, apikey.ErrUnavailable) {
				t.Fatalf("Sync = %v, want ErrUnavailable", err)
			}
			fs.set(func(f *faultStore) { f.failGet, f.failChanges = false, false })
			e.clock.Advance(time.Second) // a failed read answers for a second
			mustAuth(t, e, token)
		})
	}
}

// sentinelStore answers Get with one of apikey's own sentinels, as a
// confused driver might.
type sentinelStore struct {
	apikey.Store
	err error
}

func (s sentinelStore) Get(context.Context, string) (apikey.Record, error) {
	return apikey.Record{}, s.err
}

func TestStoreSentinelsOnTheAuthPathAreUnavailable(t *testing.T) {
	t.Parallel()
	for _, sentinel := range []error{apikey.ErrInvalidArgument, apikey.ErrKeyRevoked, apikey.ErrAlreadyExists, apikey.ErrCursorExpired} {
		t.Run(sentinel.Error(), func(t *testing.T) {
			e := newEnv(t)
			_, token := e.key("org1")
			other := e.sibling(withStore(sentinelStore{e.mem, sentinel}))
			_, err := other.auth(token)
			checkOneOutcome(t, err, apikey.ErrUnavailable)
		})
	}
}

func TestHangingStoreAndDeadline(t *testing.T) {
	e, fs := newFaultEnv(t)
	_, token := e.key("org1")
	fs.set(func(f *faultStore) { f.hang = true })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := e.svc.Authenticate(ctx, token)
	checkOneOutcome(t, watchErr(err), apikey.ErrUnavailable)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Authenticate = %v, want it to name the deadline", err)
	}
	// Cancelled rather than timed out: the same.
	ctx2, cancel2 := context.WithCancel(t.Context())
	go func() { time.Sleep(20 * time.Millisecond); cancel2() }()
	_, err = e.svc.Authenticate(ctx2, token)
	checkOneOutcome(t, watchErr(err), apikey.ErrUnavailable)
	fs.set(func(f *faultStore) { f.hang = false })
	mustAuth(t, e, token)
	if st := e.svc.Stats(); st.Invalid != 0 {
		t.Fatalf("Stats.Invalid = %d after store hangs", st.Invalid)
	}
}

func TestAuthenticateWithoutRunRereadsStatus(t *testing.T) {
	t.Parallel()
	// Without Run (and no Sync), a cached key's status comes from the
	// store, read at most once a second: a revocation by another process
	// is seen within a second.
	e := newEnv(t)
	k, token := e.key("org1")
	mustAuth(t, e, token)
	other := e.sibling()
	if _, err := other.svc.Revoke(t.Context(), "org1", k.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	wantAuthErr(t, e, token, apikey.ErrKeyRevoked)
	if e.svc.Stats().HashRuns != 1 {
		t.Fatalf("HashRuns = %d, want 1", e.svc.Stats().HashRuns)
	}
}
