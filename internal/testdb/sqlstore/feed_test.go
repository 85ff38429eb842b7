package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// insertChangeSQL writes a change row the way Revoke does, inside a
// transaction the test keeps open: it takes a sequence number and stays
// invisible until commit.
func insertChangeSQL(d sqlstore.Dialect) string {
	if d == sqlstore.Postgres {
		return "INSERT INTO keyauth_changes (key_id, revoked_at, expires_at, changed_at) VALUES ($1, $2, NULL, $3)"
	}
	return "INSERT INTO keyauth_changes (key_id, revoked_at, expires_at, changed_at) VALUES (?, ?, NULL, ?)"
}

func changedIDs(chs []apikey.Change) []string {
	var ids []string
	for _, c := range chs {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func mustChanges(t *testing.T, s apikey.Store, cursor string) ([]string, string) {
	t.Helper()
	chs, next, err := s.Changes(context.Background(), cursor)
	if err != nil {
		t.Fatalf("Changes(%q): %v", cursor, err)
	}
	return changedIDs(chs), next
}

// TestChangesOutOfOrderCommit is the classic change-feed hazard: a writer
// takes sequence number N and commits late, while N+1 commits at once. A
// reader that moved its cursor past N+1 must still return N when it lands.
// SQLite has one writer at a time, so only the server databases can commit
// out of order.
func TestChangesOutOfOrderCommit(t *testing.T) {
	for _, db := range databases[:2] {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, conn := newStore(t, db.dialect, db.open)
			late, early := seedRecord("org", 1), seedRecord("org", 2)
			for _, r := range []apikey.Record{late, early} {
				if err := s.Create(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			_, cursor := mustChanges(t, s, "")

			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback() //nolint:errcheck
			at := t0.Add(time.Hour)
			if _, err := tx.ExecContext(ctx, insertChangeSQL(db.dialect), late.ID, at, at); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Revoke(ctx, "org", early.ID, at); err != nil {
				t.Fatal(err)
			}
			got, afterEarly := mustChanges(t, s, cursor)
			if !slices.Equal(got, []string{early.ID}) {
				t.Fatalf("while the lower change is uncommitted: got %v, want [%s]", got, early.ID)
			}
			// A cursor handed out now must not miss it either.
			_, fresh := mustChanges(t, s, "")
			// Polling again before the commit returns nothing new.
			if got, next := mustChanges(t, s, afterEarly); len(got) != 0 {
				t.Fatalf("before the commit: got %v again", got)
			} else {
				afterEarly = next
			}

			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			for name, c := range map[string]string{"polling cursor": afterEarly, "fresh cursor": fresh} {
				got, next := mustChanges(t, s, c)
				if !slices.Equal(got, []string{late.ID}) {
					t.Fatalf("%s after the late commit: got %v, want [%s]", name, got, late.ID)
				}
				if got, _ := mustChanges(t, s, next); len(got) != 0 {
					t.Fatalf("%s: the late change came back again: %v", name, got)
				}
			}
		})
	}
}

// TestChangesConcurrentWriters runs many revocations at once while a
// reader polls: every revocation must reach the reader.
func TestChangesConcurrentWriters(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := context.Background()
		s, _ := newStore(t, dialect, open)
		const n = 60
		want := make([]string, n)
		for i := range n {
			r := seedRecord("org", i)
			want[i] = r.ID
			if err := s.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		_, cursor := mustChanges(t, s, "")
		seen := map[string]bool{}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				if _, err := s.Revoke(ctx, "org", want[i], t0); err != nil {
					errs <- err
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		for finished := false; !finished; {
			select {
			case <-done:
				finished = true
			default:
			}
			got, next := mustChanges(t, s, cursor)
			for _, id := range got {
				seen[id] = true
			}
			cursor = next
		}
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, _ := mustChanges(t, s, cursor)
		for _, id := range got {
			seen[id] = true
		}
		for _, id := range want {
			if !seen[id] {
				t.Errorf("revocation of %s never reached the reader", id)
			}
		}
	})
}

// TestChangesGapTimeout: a sequence number taken by a transaction that
// rolled back never fills; the cursor forgets it after GapTimeout.
func TestChangesGapTimeout(t *testing.T) {
	for _, db := range databases[:2] {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var mu sync.Mutex
			now := t0
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			_, conn := db.open(t)
			s, err := sqlstore.NewWithConfig(sqlstore.Config{DB: conn, Dialect: db.dialect, Now: clock, GapTimeout: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			r := seedRecord("org", 1)
			if err := s.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
			_, cursor := mustChanges(t, s, "")
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, insertChangeSQL(db.dialect), "rolledback", t0, t0); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Revoke(ctx, "org", r.ID, t0); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			_, cursor = mustChanges(t, s, cursor)
			if !strings.Contains(cursor, ":") {
				t.Fatalf("cursor %q does not remember the missing number", cursor)
			}
			mu.Lock()
			now = now.Add(2 * time.Minute)
			mu.Unlock()
			if _, cursor = mustChanges(t, s, cursor); strings.Contains(cursor, ":") {
				t.Fatalf("cursor %q still waits for a number after GapTimeout", cursor)
			}
		})
	}
}

// TestChangesPruned: changes older than Retention are deleted, and a cursor
// from before them gets ErrCursorExpired rather than a silent hole.
func TestChangesPruned(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := context.Background()
		var mu sync.Mutex
		now := t0
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		_, conn := open(t)
		s, err := sqlstore.NewWithConfig(sqlstore.Config{DB: conn, Dialect: dialect, Now: clock, Retention: time.Hour, GapTimeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		_, start := mustChanges(t, s, "")
		var ids []string
		for i := range 3 {
			r := seedRecord("org", i)
			ids = append(ids, r.ID)
			if err := s.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Revoke(ctx, "org", r.ID, t0); err != nil {
				t.Fatal(err)
			}
		}
		got, current := mustChanges(t, s, start)
		if !slices.Equal(got, ids) {
			t.Fatalf("got %v, want %v", got, ids)
		}
		mu.Lock()
		now = now.Add(2 * time.Hour)
		mu.Unlock()
		// This call prunes (after reading): the cursor it returns stays good.
		if got, current = mustChanges(t, s, current); len(got) != 0 {
			t.Fatalf("got %v, want nothing new", got)
		}
		if _, _, err := s.Changes(ctx, start); !errors.Is(err, apikey.ErrCursorExpired) {
			t.Fatalf("Changes(cursor before pruned changes) = %v, want ErrCursorExpired", err)
		}
		if got, _ := mustChanges(t, s, current); len(got) != 0 {
			t.Fatalf("current cursor after pruning: got %v", got)
		}
		// The sequence goes on after pruning: a new change is seen.
		if _, err := s.Revoke(ctx, "org", ids[0], t0); err != nil {
			t.Fatal(err)
		}
		r := seedRecord("org", 9)
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Revoke(ctx, "org", r.ID, t0); err != nil {
			t.Fatal(err)
		}
		if got, _ := mustChanges(t, s, current); !slices.Equal(got, []string{r.ID}) {
			t.Fatalf("after pruning: got %v, want [%s]", got, r.ID)
		}
	})
}

func TestChangesBadCursor(t *testing.T) {
	s, _ := newStore(t, sqlstore.SQLite, databases[2].open)
	for _, c := range []string{"x", "-1", "5:", "5:3", "5:3@x", "5:7@1", "5:3@1,2@1", "5:3@1,3@1"} {
		if _, _, err := s.Changes(context.Background(), c); !errors.Is(err, apikey.ErrInvalidArgument) {
			t.Errorf("Changes(%q) = %v, want ErrInvalidArgument", c, err)
		}
	}
}

// TestChangesCursorAhead: a cursor from another (or a recreated) database
// is further than any change here; the Store says so with
// ErrCursorExpired, so that the Service starts over instead of waiting
// forever for sequence numbers it would never see.
func TestChangesCursorAhead(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		s, _ := newStore(t, dialect, open)
		if _, _, err := s.Changes(context.Background(), "1000"); !errors.Is(err, apikey.ErrCursorExpired) {
			t.Fatalf("Changes(cursor ahead of the store) = %v, want ErrCursorExpired", err)
		}
	})
}
