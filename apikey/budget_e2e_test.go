package apikey_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/store/memstore"
)

// TestFailureBudgetDefaults is the per-id failure budget with its default
// numbers, as SECURITY.md states them: an attacker who knows a key's id
// (its public prefix) costs at most 10 argon2id runs per id per minute on
// each instance; a holder whose key this instance has already verified is
// unaffected; and, the trade-off, a holder whose key this instance has not
// verified yet is refused as invalid until the cool-down ends.
func TestFailureBudgetDefaults(t *testing.T) {
	ctx := t.Context()
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	store := memstore.New()
	newService := func() *apikey.Service {
		svc, err := apikey.NewService(apikey.Config{Store: store, Now: clock, Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	warm, cold := newService(), newService()
	_, secret, err := warm.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "victim", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	key := secret.Reveal()
	if _, err := warm.Authenticate(ctx, key); err != nil {
		t.Fatal(err)
	}
	// The attacker knows the prefix "dk_<id>" and guesses secrets, each
	// with a valid checksum so that it gets past the format check.
	guess := func() string { return keytest.WrongSecret(key) }
	for _, svc := range []*apikey.Service{warm, cold} {
		before := svc.Stats().HashRuns
		for range 100 {
			if _, err := svc.Authenticate(ctx, guess()); !errors.Is(err, apikey.ErrInvalidKey) {
				t.Fatalf("a guessed secret: %v, want ErrInvalidKey", err)
			}
		}
		if runs := svc.Stats().HashRuns - before; runs > 10 {
			t.Fatalf("100 guesses cost %d argon2id runs, want at most 10 (FailureLimit)", runs)
		}
	}
	if _, err := warm.Authenticate(ctx, key); err != nil {
		t.Fatalf("the holder on an instance that verified the key before: %v", err)
	}
	if _, err := cold.Authenticate(ctx, key); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("the holder on an instance that never verified the key, during the cool-down: %v, want ErrInvalidKey (the documented trade-off)", err)
	}
	now.Add(int64(time.Minute + time.Second))
	if _, err := cold.Authenticate(ctx, key); err != nil {
		t.Fatalf("the holder after the 1 minute cool-down: %v", err)
	}
}
