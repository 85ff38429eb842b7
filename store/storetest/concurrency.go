package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// parallel is the number of goroutines each concurrency test starts.
const parallel = 50

// fanOut runs f(0) ... f(n-1) in n goroutines released at once, and
// returns their errors by index.
func fanOut(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// testConcurrency runs its cases one after the other: each already starts
// parallel goroutines, and a database server shared by several test
// binaries should not see five times as many connections at once.
func testConcurrency(t *testing.T, s apikey.Store) {
	t.Run("parallel creates", func(t *testing.T) {
		const org = "wonka-create"
		recs := make([]apikey.Record, parallel)
		for i := range recs {
			recs[i] = newRecord(org, later(time.Duration(i)*time.Microsecond))
		}
		errs := fanOut(parallel, func(i int) error { return s.Create(t.Context(), recs[i]) })
		for i, err := range errs {
			if err != nil {
				t.Errorf("Create(%s): %v", recs[i].ID, err)
			}
		}
		for _, r := range recs {
			checkStored(t, s, r)
		}
		keys, err := s.List(t.Context(), apikey.ListQuery{OrgID: org, Limit: 1000})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		want := make([]apikey.Key, len(recs))
		for i, r := range recs {
			want[i] = r.Key
		}
		checkKeys(t, "List after parallel creates", keys, want)
	})

	t.Run("parallel creates of one id", func(t *testing.T) {
		id := newID()
		recs := make([]apikey.Record, parallel)
		for i := range recs {
			recs[i] = withID(newRecord("wonka-same", now), id)
			recs[i].Name = fmt.Sprintf("contender %d", i)
		}
		errs := fanOut(parallel, func(i int) error { return s.Create(t.Context(), recs[i]) })
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("Create #%d and #%d of id %s both succeeded", winner, i, id)
			case err == nil:
				winner = i
			case !errors.Is(err, apikey.ErrAlreadyExists):
				t.Errorf("Create #%d: %v; want nil or ErrAlreadyExists", i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("no Create of id %s succeeded", id)
		}
		checkStored(t, s, recs[winner])
	})

	t.Run("parallel revokes", func(t *testing.T) {
		const org = "wonka-revoke"
		recs := make([]apikey.Record, parallel)
		for i := range recs {
			recs[i] = newRecord(org, later(-time.Hour))
		}
		mustCreate(t, s, recs...)
		_, cursor, err := s.Changes(t.Context(), "")
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		at := func(i int) time.Time { return later(time.Duration(i) * time.Millisecond) }
		results := make([]apikey.Key, parallel)
		errs := fanOut(parallel, func(i int) (err error) {
			results[i], err = s.Revoke(t.Context(), org, recs[i].ID, at(i))
			return err
		})
		var revoked []string
		for i, err := range errs {
			if err != nil {
				t.Errorf("Revoke(%s): %v", recs[i].ID, err)
				continue
			}
			recs[i].RevokedAt = at(i)
			checkKey(t, "Revoke result", results[i], recs[i].Key)
			checkStored(t, s, recs[i])
			revoked = append(revoked, recs[i].ID)
		}
		got, _ := drain(t, s, cursor)
		checkLatest(t, s, "Changes after parallel revokes", got, revoked...)
		checkPlausible(t, s, got)
	})

	t.Run("change feed polled during parallel revokes misses none", func(t *testing.T) {
		// A poller follows the feed while revocations commit, so it is
		// handed cursors that lie between them; commits that finish out
		// of order must still reach it through a later cursor.
		const org = "wonka-feed"
		recs := make([]apikey.Record, parallel)
		for i := range recs {
			recs[i] = newRecord(org, later(-time.Hour))
		}
		createConcurrently(t, s, recs)
		_, cursor, err := s.Changes(t.Context(), "")
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		seen := map[string]bool{}
		stop := make(chan struct{})
		polled := make(chan error, 1)
		go func() {
			for {
				changes, next, err := s.Changes(t.Context(), cursor)
				if err != nil {
					polled <- fmt.Errorf("Changes(%q) while revoking: %w", cursor, err)
					return
				}
				for _, c := range changes {
					seen[c.ID] = true
				}
				cursor = next
				select {
				case <-stop:
					polled <- nil
					return
				default:
				}
			}
		}()
		errs := fanOut(parallel, func(i int) error {
			_, err := s.Revoke(t.Context(), org, recs[i].ID, later(time.Duration(i)*time.Millisecond))
			return err
		})
		close(stop)
		if err := <-polled; err != nil {
			t.Fatal(err)
		}
		got, _ := drain(t, s, cursor)
		for id := range got {
			seen[id] = true
		}
		for i, err := range errs {
			switch {
			case err != nil:
				t.Errorf("Revoke(%s): %v", recs[i].ID, err)
			case !seen[recs[i].ID]:
				t.Errorf("revocation of %s never reached the poller", recs[i].ID)
			}
		}
	})

	t.Run("parallel revokes of one key", func(t *testing.T) {
		const org = "wonka-revoke-one"
		r := newRecord(org, later(-time.Hour))
		mustCreate(t, s, r)
		at := func(i int) time.Time { return later(time.Duration(i) * time.Millisecond) }
		results := make([]apikey.Key, parallel)
		errs := fanOut(parallel, func(i int) (err error) {
			results[i], err = s.Revoke(t.Context(), org, r.ID, at(i))
			return err
		})
		var first time.Time
		for i, err := range errs {
			if err != nil {
				t.Fatalf("Revoke #%d: %v", i, err)
			}
			if first.IsZero() {
				first = results[i].RevokedAt
			}
			if !results[i].RevokedAt.Equal(first) {
				t.Errorf("Revoke #%d returned RevokedAt %s, another returned %s: only one revocation may win", i, fmtTime(results[i].RevokedAt), fmtTime(first))
			}
		}
		if !first.Before(at(parallel)) || first.Before(now) || first.Sub(now)%time.Millisecond != 0 {
			t.Errorf("RevokedAt = %s, not one of the times given", fmtTime(first))
		}
		r.RevokedAt = first
		checkStored(t, s, r)
	})

	t.Run("parallel RecordUse of one key", func(t *testing.T) {
		r := newRecord("wonka-use", later(-time.Hour))
		mustCreate(t, s, r)
		// The goroutine in the middle carries the latest time.
		at := func(i int) time.Time {
			return later(time.Duration(parallel/2-abs(i-parallel/2)) * time.Millisecond)
		}
		errs := fanOut(parallel, func(i int) error {
			return s.RecordUse(t.Context(), []apikey.Use{{ID: r.ID, At: at(i)}})
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("RecordUse #%d: %v", i, err)
			}
		}
		r.LastUsedAt = at(parallel / 2)
		checkStored(t, s, r)
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
