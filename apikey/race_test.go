package apikey_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Everything at once for about two seconds; run with -race. The checked
// promise: once Revoke (or Rotate with grace 0) has returned on this
// instance, no later Authenticate on it succeeds with that key.
func TestConcurrentUse(t *testing.T) {
	logs := &logSink{}
	e := newEnv(t, func(c *apikey.Config) {
		c.Now = nil // the real clock
		c.Logger = newLogger(logs)
	})
	type tracked struct {
		key   apikey.Key
		token string
		ended atomic.Bool // Revoke or Rotate returned
		fate  string      // "keep", "revoke", "rotate"
	}
	var pool []*tracked
	for i := range 6 {
		fate := [...]string{"keep", "revoke", "rotate"}[i%3]
		k, sec, err := e.svc.Create(t.Context(), apikey.CreateParams{OrgID: fmt.Sprint("org", i%2), Name: fate, Permission: apikey.Read})
		if err != nil {
			t.Fatal(err)
		}
		watchKey(sec.Reveal())
		pool = append(pool, &tracked{key: k, token: sec.Reveal(), fate: fate})
	}
	e.sync()                      // so that the Sync loop does not start by forgetting the cache
	for _, tk := range pool[:4] { // most start cached; the rest race their first request
		mustAuth(t, e, tk.token)
	}
	start := time.Now()
	var (
		mu        sync.Mutex
		rotated   []string // tokens of keys made by Rotate: they must work
		failures  atomic.Int64
		successes atomic.Int64
	)
	fail := func(format string, args ...any) {
		if failures.Add(1) <= 5 {
			t.Errorf(format, args...)
		}
	}
	// The loops stop two seconds in, or when every revocation and rotation
	// has been done and checked for a while, whichever is later.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	changesDone := make(chan struct{})
	go func() {
		<-changesDone
		time.Sleep(200 * time.Millisecond)
		<-time.After(time.Until(start.Add(2 * time.Second)))
		cancel()
	}()
	var wg sync.WaitGroup
	loop := func(body func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				body(i)
			}
		}()
	}
	for range 4 {
		loop(func(i int) {
			tk := pool[i%len(pool)]
			ended := tk.ended.Load()
			p, err := e.svc.Authenticate(context.Background(), tk.token)
			watchErr(err)
			switch {
			case ended && err == nil:
				fail("%s key %s authenticated after its %s returned", tk.fate, tk.key.ID, tk.fate)
			case tk.fate == "keep" && err != nil:
				fail("untouched key: %v", err)
			case err == nil && p.KeyID != tk.key.ID:
				fail("key %s authenticated as %s", tk.key.ID, p.KeyID)
			case err == nil:
				successes.Add(1)
			case !errors.Is(err, apikey.ErrKeyRevoked) && !errors.Is(err, apikey.ErrKeyExpired):
				fail("%s key: %v", tk.fate, err)
			}
			mu.Lock()
			var tok string
			if len(rotated) > 0 {
				tok = rotated[i%len(rotated)]
			}
			mu.Unlock()
			if tok != "" {
				if _, err := e.svc.Authenticate(context.Background(), tok); err != nil {
					fail("key made by Rotate: %v", watchErr(err))
				}
			}
		})
	}
	wg.Add(1)
	go func() { // revoke and rotate, one key at a time, spread over the run
		defer wg.Done()
		defer close(changesDone)
		for _, tk := range pool {
			time.Sleep(100 * time.Millisecond)
			switch tk.fate {
			case "revoke":
				if _, err := e.svc.Revoke(context.Background(), tk.key.OrgID, tk.key.ID); err != nil {
					fail("Revoke: %v", err)
				}
				tk.ended.Store(true)
			case "rotate":
				_, sec, err := e.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: tk.key.OrgID, ID: tk.key.ID})
				if err != nil {
					fail("Rotate: %v", err)
					continue
				}
				watchKey(sec.Reveal())
				tk.ended.Store(true)
				mu.Lock()
				rotated = append(rotated, sec.Reveal())
				mu.Unlock()
			}
		}
	}()
	loop(func(int) {
		for _, org := range []string{"org0", "org1"} {
			cursor := ""
			for {
				page, err := e.svc.List(context.Background(), org, apikey.ListOptions{Limit: 2, Cursor: cursor})
				if err != nil {
					fail("List: %v", err)
					return
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
		}
	})
	loop(func(int) {
		if err := e.svc.Flush(context.Background()); err != nil {
			fail("Flush: %v", err)
		}
		time.Sleep(time.Millisecond)
	})
	loop(func(int) {
		if err := e.svc.Sync(context.Background()); err != nil {
			fail("Sync: %v", err)
		}
		// Not too often: between Syncs, only Revoke's own marking of the
		// cache keeps a revoked key out.
		time.Sleep(50 * time.Millisecond)
	})
	wg.Wait()
	if successes.Load() == 0 {
		t.Fatal("no request succeeded")
	}
	for _, tk := range pool {
		if tk.fate != "keep" && !tk.ended.Load() {
			t.Fatalf("the run ended before key %s was %sd", tk.key.ID, tk.fate)
		}
	}
	for _, tk := range pool { // and afterwards, for good measure
		_, err := e.svc.Authenticate(context.Background(), tk.token)
		if (tk.fate == "keep") != (err == nil) {
			t.Fatalf("%s key after the run: %v", tk.fate, watchErr(err))
		}
	}
	if err := e.svc.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d successful requests; stats %+v", successes.Load(), e.svc.Stats())
}
