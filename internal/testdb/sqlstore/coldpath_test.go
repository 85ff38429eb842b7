package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/store/memstore"
	"github.com/driive/keyauth/store/sqlstore"
)

// frozen is a clock that does not move: everything a test does happens
// within one second of it.
func frozen(c *apikey.Config) {
	at := time.Now()
	c.Now = func() time.Time { return at }
}

// TestForgedKeysCostOneStatement is the flood of forged keys on every SQL
// dialect: 2,000 forged keys for a victim's id, from many goroutines, on a
// Service that never saw the key, run no argon2id and send one SQL
// statement (counted at the connector); the victim's real key then
// authenticates with one argon2id run and no further statement.
func TestForgedKeysCostOneStatement(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn, dbA := d.open(t)
			a := newInstance(t, d.dialect, dbA)
			victim := mustCreateKey(t, a.svc, "org")
			countingDB, n := openCounting(t, d.driver, dsn)
			store, err := sqlstore.New(countingDB, d.dialect)
			if err != nil {
				t.Fatal(err)
			}
			// The Store checks the schema on its first call: done here, so
			// that only the Service's statements are counted.
			if _, err := store.Get(context.Background(), "AAAAAAAAAAAA"); !errors.Is(err, apikey.ErrNotFound) {
				t.Fatal(err)
			}
			svc := newService(t, store, frozen)
			before := n.Load()
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for w := range 16 {
				wg.Go(func() {
					for i := w; i < 2000; i += 16 {
						if _, err := svc.Authenticate(context.Background(), keytest.WrongSecret(victim)); !errors.Is(err, apikey.ErrInvalidKey) {
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
			if got := n.Load() - before; got != 1 {
				t.Fatalf("2,000 forged keys sent %d statements, want 1", got)
			}
			if st := svc.Stats(); st.HashRuns != 0 || st.TagRejects != 2000 {
				t.Fatalf("HashRuns %d (want 0), TagRejects %d (want 2,000)", st.HashRuns, st.TagRejects)
			}
			mustAuth(t, svc, victim)
			if got := n.Load() - before; got != 1 || svc.Stats().HashRuns != 1 {
				t.Fatalf("the real key: %d statements in all (want 1), HashRuns %d (want 1)", got, svc.Stats().HashRuns)
			}
		})
	}
}

// TestTaglessRowOnEveryDialect: a key stored as schema version 1 stored it
// (no tag column), migrated to the current schema, verifies with argon2id,
// gets its tag written on its first success, and from then on wrong
// secrets run no argon2id on any instance.
func TestTaglessRowOnEveryDialect(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := context.Background()
		_, db := open(t)
		s, err := sqlstore.New(db, dialect)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MigrateTo(ctx, 1); err != nil {
			t.Fatal(err)
		}
		// Mint a key elsewhere and store its row with version 1's columns.
		mem := memstore.New()
		minter := newService(t, mem)
		token := mustCreateKey(t, minter, "org")
		id, err := apikey.Parse(token)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := mem.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		bulkInsert(t, db, dialect, []apikey.Record{rec})
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if r, err := s.Get(ctx, id); err != nil || r.Tag != "" {
			t.Fatalf("the migrated row: tag %q, %v; want none", r.Tag, err)
		}
		svc := newService(t, s, frozen)
		if _, err := svc.Authenticate(ctx, keytest.WrongSecret(token)); !errors.Is(err, apikey.ErrInvalidKey) {
			t.Fatalf("a wrong secret: %v", err)
		}
		if st := svc.Stats(); st.HashRuns != 1 {
			t.Fatalf("a wrong secret for a row without a tag: HashRuns %d, want 1 (as before tags)", st.HashRuns)
		}
		mustAuth(t, svc, token)
		if st := svc.Stats(); st.TagsWritten != 1 {
			t.Fatalf("TagsWritten %d, want 1", st.TagsWritten)
		}
		if r, err := s.Get(ctx, id); err != nil || r.Tag == "" {
			t.Fatalf("after the first success: tag %q, %v; want one", r.Tag, err)
		}
		fresh := newService(t, s, frozen)
		for range 20 {
			if _, err := fresh.Authenticate(ctx, keytest.WrongSecret(token)); !errors.Is(err, apikey.ErrInvalidKey) {
				t.Fatalf("a wrong secret: %v", err)
			}
		}
		if st := fresh.Stats(); st.HashRuns != 0 {
			t.Fatalf("wrong secrets after the tag was written ran argon2id %d times", st.HashRuns)
		}
		mustAuth(t, fresh, token)
	})
}

// TestCloseLosesNoSuccessOnEveryDialect: requests race with Close on a SQL
// store, whose flush takes long enough to widen the race: every key that
// got a success has that use stored once Close has returned, and every
// other answer is ErrClosed.
func TestCloseLosesNoSuccessOnEveryDialect(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := context.Background()
		s, _ := newStore(t, dialect, open)
		var mu sync.Mutex
		now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
		clock := func(c *apikey.Config) {
			c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		}
		svc := newService(t, s, clock)
		var tokens []string
		for range 8 {
			tok := mustCreateKey(t, svc, "org")
			mustAuth(t, svc, tok)
			tokens = append(tokens, tok)
		}
		if err := svc.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		now = now.Add(time.Minute)
		t1 := now
		mu.Unlock()
		succeeded := make([]bool, len(tokens))
		var closeReturned atomic.Bool
		var wg sync.WaitGroup
		for i, tok := range tokens {
			wg.Go(func() {
				for !closeReturned.Load() {
					if _, err := svc.Authenticate(ctx, tok); err != nil {
						if !errors.Is(err, apikey.ErrClosed) {
							t.Errorf("key %d: %v, want success or ErrClosed", i, err)
						}
						return
					}
					succeeded[i] = true
				}
			})
		}
		time.Sleep(time.Millisecond)
		err := svc.Close(ctx)
		closeReturned.Store(true)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		for i, tok := range tokens {
			if !succeeded[i] {
				continue
			}
			id, _ := apikey.Parse(tok)
			r, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !r.LastUsedAt.Equal(t1) {
				t.Errorf("key %d succeeded at %v but its stored last use is %v", i, t1, r.LastUsedAt)
			}
		}
	})
}
