package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// instance is one process's view of a shared database: its own *sql.DB,
// Store and Service (with its own cache).
type instance struct {
	db    *sql.DB
	store *sqlstore.Store
	svc   *apikey.Service
}

func newInstance(t *testing.T, dialect sqlstore.Dialect, db *sql.DB, tweak ...func(*apikey.Config)) *instance {
	t.Helper()
	s, err := sqlstore.New(db, dialect)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &instance{db: db, store: s, svc: newService(t, s, tweak...)}
}

func openDB(t *testing.T, driverName, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustCreateKey(t *testing.T, svc *apikey.Service, org string) string {
	t.Helper()
	_, secret, err := svc.Create(context.Background(), apikey.CreateParams{OrgID: org, Name: "k", Permission: apikey.Write})
	if err != nil {
		t.Fatal(err)
	}
	return secret.Reveal()
}

func mustAuth(t *testing.T, svc *apikey.Service, token string) apikey.Principal {
	t.Helper()
	p, err := svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	return p
}

// TestCrossInstanceRevocation: two Services on one database, each with its
// own cache; a key revoked (or rotated with no grace) through one is
// refused by the other once its Run has polled the feed twice, within 1
// second with the default SyncInterval.
func TestCrossInstanceRevocation(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn, dbA := d.open(t)
			a := newInstance(t, d.dialect, dbA)
			b := newInstance(t, d.dialect, openDB(t, d.driver, dsn))
			revoked, rotated := mustCreateKey(t, a.svc, "org"), mustCreateKey(t, a.svc, "org")
			for _, tok := range []string{revoked, rotated} {
				mustAuth(t, a.svc, tok)
				mustAuth(t, b.svc, tok) // now in b's cache
			}
			run(t, a.svc)
			run(t, b.svc)
			if _, ok := eventually(30*time.Second, func() bool { return b.svc.Stats().Syncs > 0 }); !ok {
				t.Fatal("b never read the change feed")
			}

			p := mustAuth(t, b.svc, revoked)
			if _, err := a.svc.Revoke(context.Background(), "org", p.KeyID); err != nil {
				t.Fatal(err)
			}
			took := afterTwoPolls(t, b.svc)
			if _, err := b.svc.Authenticate(context.Background(), revoked); !errors.Is(err, apikey.ErrKeyRevoked) {
				t.Fatalf("the other instance after two polls that followed the revocation: %v, want ErrKeyRevoked", err)
			}
			t.Logf("revocation honoured by the other instance after %v", took)

			p = mustAuth(t, b.svc, rotated)
			if _, _, err := a.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: "org", ID: p.KeyID, Grace: 0}); err != nil {
				t.Fatal(err)
			}
			took = afterTwoPolls(t, b.svc)
			if _, err := b.svc.Authenticate(context.Background(), rotated); !errors.Is(err, apikey.ErrKeyExpired) {
				t.Fatalf("the other instance after two polls that followed a rotation with no grace: %v, want ErrKeyExpired", err)
			}
			t.Logf("rotation honoured by the other instance after %v", took)
		})
	}
}

// TestQueryCount counts the SQL statements one instance sends while it
// serves a key and polls the change feed, with 10 and with 10,000 keys in
// the store (the second case also revokes keys during the window, so the
// feed carries changes): every poll of the feed is one statement, every
// flush of last-used times one statement, whatever the number of keys, so
// the statements per second are set by the intervals alone.
func TestQueryCount(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			var perSecond [2]float64
			for i, keys := range []int{10, 10_000} {
				m := measureStatements(t, d.dialect, d.open, d.driver, keys)
				perSecond[i] = float64(m.statements) / m.elapsed.Seconds()
				t.Logf("%6d keys: %d statements for %d polls and %d flushes in %v (%.1f/s), %d of them failed",
					keys, m.statements, m.syncs, m.flushes, m.elapsed.Round(time.Millisecond), perSecond[i], m.failures)
				// A poll or flush counts its statement when it sends it and
				// itself when it returns; Run does one at a time. So one
				// under way at the start may be counted without its
				// statement, one under way at the end with only its
				// statement. One that failed (a flush gets FlushInterval,
				// which a loaded machine can overrun) sent one statement
				// or none.
				done := int64(m.syncs + m.flushes)
				if m.statements < done-1 || m.statements > done+int64(m.failures)+1 {
					t.Errorf("%d keys: %d statements for %d polls + %d flushes (%d failed), want one each",
						keys, m.statements, m.syncs, m.flushes, m.failures)
				}
				// 100ms polls and 250ms flushes make at most 14/s.
				if perSecond[i] > 16 {
					t.Errorf("%d keys: %.1f statements/s, want at most 16", keys, perSecond[i])
				}
			}
		})
	}
}

// afterTwoPolls waits until svc's Run has finished two more polls of the
// change feed, and returns how long that took. The first may have been
// under way already; the second started after the call, so it saw every
// change made before. Waiting for polls instead of a length of time keeps
// a loaded machine from failing the test.
func afterTwoPolls(t *testing.T, svc *apikey.Service) time.Duration {
	t.Helper()
	synced := svc.Stats().Syncs
	took, ok := eventually(30*time.Second, func() bool { return svc.Stats().Syncs >= synced+2 })
	if !ok {
		t.Fatalf("Run polled the change feed %d times in 30s, want 2", svc.Stats().Syncs-synced)
	}
	return took
}

type measurement struct {
	statements     int64
	syncs, flushes uint64 // the successful ones
	failures       uint64 // failed polls and flushes
	elapsed        time.Duration
}

func measureStatements(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB), driverName string, keys int) measurement {
	dsn, dbA := open(t)
	a := newInstance(t, dialect, dbA)
	recs := make([]apikey.Record, keys)
	for i := range recs {
		recs[i] = seedRecord("org", i)
	}
	bulkInsert(t, dbA, dialect, recs)
	countingDB, n := openCounting(t, driverName, dsn)
	b := newInstance(t, dialect, countingDB, func(c *apikey.Config) {
		c.SyncInterval = 100 * time.Millisecond
		c.FlushInterval = 250 * time.Millisecond
	})
	token := mustCreateKey(t, a.svc, "org")
	run(t, b.svc)
	// Past the first poll (and its pruning of the feed). The key is cached
	// after it: the first poll forgets keys cached before the feed had a
	// position, and a verification in the window would add its reads (one,
	// or more when a revocation lands during it) to the count.
	if _, ok := eventually(30*time.Second, func() bool { return b.svc.Stats().Syncs >= 2 }); !ok {
		t.Fatal("the instance does not poll the change feed")
	}
	mustAuth(t, b.svc, token)
	// And past the first flush: polls and flushes run side by side, each
	// on a connection of its own, and opening one on a loaded machine can
	// take longer than a flush may.
	if _, ok := eventually(30*time.Second, func() bool { return b.svc.Stats().Flushes >= 1 }); !ok {
		t.Fatalf("the instance does not flush: %+v", b.svc.Stats())
	}

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // requests and revocations during the window
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			_, _ = b.svc.Authenticate(context.Background(), token)
			if keys > 10 && i < 50 {
				_, _ = a.store.Revoke(context.Background(), "org", recs[i*100].ID, t0)
			}
		}
	}()
	st0, n0, start := b.svc.Stats(), n.Load(), time.Now()
	time.Sleep(2 * time.Second)
	st1, n1, elapsed := b.svc.Stats(), n.Load(), time.Since(start)
	close(stop)
	<-done
	if st1.CacheMisses != st0.CacheMisses || st1.Refreshes != st0.Refreshes {
		t.Fatalf("the key was read from the store during the window: %+v", st1)
	}
	failures := st1.SyncFailures - st0.SyncFailures + st1.FlushFailures - st0.FlushFailures
	if st1.Syncs == st0.Syncs || st1.Flushes == st0.Flushes {
		t.Fatalf("no poll or no flush succeeded during the window: %+v", st1)
	}
	return measurement{statements: n1 - n0, syncs: st1.Syncs - st0.Syncs, flushes: st1.Flushes - st0.Flushes, failures: failures, elapsed: elapsed}
}

// TestStoreDown cuts the connection to the database: a key that is not
// cached, and a cached one once MaxStaleness has passed, get ErrUnavailable,
// never ErrInvalidKey; when the database is back, the same Service serves
// both again and follows the change feed, without a restart.
func TestStoreDown(t *testing.T) {
	for _, d := range databases[:2] {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn, dbA := d.open(t)
			a := newInstance(t, d.dialect, dbA)
			proxied, p := viaProxy(t, d.driver, dsn)
			b := newInstance(t, d.dialect, openDB(t, d.driver, proxied), func(c *apikey.Config) {
				c.SyncInterval = 100 * time.Millisecond
				c.MaxStaleness = 500 * time.Millisecond
			})
			cached, cold := mustCreateKey(t, a.svc, "org"), mustCreateKey(t, a.svc, "org")
			mustAuth(t, b.svc, cached)
			run(t, b.svc)

			p.Cut()
			actx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := b.svc.Authenticate(actx, cold)
			cancel()
			if !errors.Is(err, apikey.ErrUnavailable) {
				t.Fatalf("uncached key while the database is down: %v, want ErrUnavailable", err)
			}
			time.Sleep(700 * time.Millisecond) // past MaxStaleness
			if _, err := b.svc.Authenticate(ctx, cached); !errors.Is(err, apikey.ErrUnavailable) {
				t.Fatalf("cached key past MaxStaleness while the database is down: %v, want ErrUnavailable", err)
			}

			p.Restore()
			took, ok := eventually(30*time.Second, func() bool {
				_, err1 := b.svc.Authenticate(ctx, cached)
				_, err2 := b.svc.Authenticate(ctx, cold)
				return err1 == nil && err2 == nil
			})
			if !ok {
				t.Fatal("the Service did not recover after the database came back")
			}
			t.Logf("recovered %v after the database came back", took)
			pc := mustAuth(t, b.svc, cached)
			if _, err := a.svc.Revoke(ctx, "org", pc.KeyID); err != nil {
				t.Fatal(err)
			}
			afterTwoPolls(t, b.svc)
			if _, err := b.svc.Authenticate(ctx, cached); !errors.Is(err, apikey.ErrKeyRevoked) {
				t.Fatalf("after recovery, two polls of the feed after a revocation: %v, want ErrKeyRevoked", err)
			}
		})
	}
}
