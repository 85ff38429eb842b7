package sqlstore_test

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/testdb"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/sqlstore"
)

// The phases of TestPostgresOutage, in order. A load answer is checked
// against a phase only if the phase did not change while it was asked.
const (
	outageHonoured   = iota // the database up, then stopped; the clock within MaxStaleness of the last good poll
	outageGoingStale        // the clock moving past MaxStaleness
	outageStale             // the database stopped; the clock past MaxStaleness
	outageRecovering        // the database starting again
)

// outageAnswer is one answer of the load run.
type outageAnswer struct {
	phase      int // the phase throughout the request; -1: it changed
	status     int
	retryAfter string
	code       string
}

// TestPostgresOutage stops the database under a load of requests and
// starts it again, checking the outage policy end to end:
//
//   - a key verified before the outage is honoured for MaxStaleness after
//     the last good change-feed poll, then refused with 503 and
//     Retry-After (fail closed), never with 401;
//   - a key never verified on this instance gets 503 with Retry-After at
//     once;
//   - when the database is back, both work again without a restart;
//   - the last-used time of a request answered during the outage is
//     written once the database is back: none is lost.
//
// The Service's clock moves only when the test moves it, so however long
// stopping the database takes, the test knows how old the last good poll
// is.
func TestPostgresOutage(t *testing.T) {
	const maxStaleness = 3 * time.Second
	pg := testdb.StartPrivatePostgres(t)
	db, err := sql.Open("pgx", pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := t.Context()
	store, err := sqlstore.New(db, sqlstore.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	svc := newService(t, store, func(c *apikey.Config) {
		c.Now = now
		c.SyncInterval = 100 * time.Millisecond
		c.MaxStaleness = maxStaleness
		c.FlushInterval = 200 * time.Millisecond
		c.HashWait = 10 * time.Second
	})
	run(t, svc)

	mw, err := middleware.New(middleware.Config{Authenticator: svc, RetryAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/organizations/{orgId}/ping", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	url := srv.URL + "/v1/organizations/acme/ping"
	get := func(key string) outageAnswer {
		var a outageAnswer
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("GET: %v", err)
			return a
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		a.status, a.retryAfter = res.StatusCode, res.Header.Get("Retry-After")
		if res.StatusCode != 200 {
			var p struct{ Code string }
			json.Unmarshal(b, &p)
			a.code = p.Code
		}
		return a
	}
	refused := func(a outageAnswer) bool {
		return a.status == 503 && a.code == "auth_unavailable" && a.retryAfter != ""
	}
	newKey := func(name string) (apikey.Key, string) {
		k, s, err := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: name, Permission: apikey.Read})
		if err != nil {
			t.Fatal(err)
		}
		return k, s.Reveal()
	}
	_, cached := newKey("cached")
	quietKey, quiet := newKey("used during the outage only")
	_, uncached := newKey("never used before the outage")
	for _, k := range []string{cached, quiet} {
		if a := get(k); a.status != 200 {
			t.Fatalf("before the outage: %d %s", a.status, a.code)
		}
	}
	if err := svc.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// A second later (so that the quiet key's use during the outage differs
	// from the one just written), the last good poll: Sync runs one poll at
	// a time and the clock stands still, so every poll from now on that
	// succeeds, Run's too, is at lastGood.
	clock.Add(int64(time.Second))
	lastGood := now()
	if err := svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	// The load: one client with the cached key, all along.
	var (
		phase atomic.Int64
		mu    sync.Mutex
		load  []outageAnswer
		done  = make(chan struct{})
		wg    sync.WaitGroup
	)
	answered := func(p int) bool { // the load has an answer in phase p
		mu.Lock()
		defer mu.Unlock()
		for _, a := range load {
			if a.phase == p {
				return true
			}
		}
		return false
	}
	waitAnswer := func(p int) {
		t.Helper()
		if _, ok := eventually(30*time.Second, func() bool { return answered(p) }); !ok {
			t.Fatalf("the load got no answer in phase %d within 30s", p)
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			before := int(phase.Load())
			a := get(cached)
			if int(phase.Load()) != before {
				before = -1
			}
			a.phase = before
			mu.Lock()
			load = append(load, a)
			mu.Unlock()
		}
	}()
	waitAnswer(outageHonoured)

	st0 := svc.Stats()
	pg.Stop()
	t.Logf("database stopped")
	// While cached keys are honoured: the quiet key works (its last use is
	// buffered), an unverified key is refused with 503.
	quietAt := now()
	if a := get(quiet); a.status != 200 {
		t.Errorf("cached key right after the outage began: %d %s, want 200", a.status, a.code)
	}
	if a := get(uncached); !refused(a) {
		t.Errorf("unverified key during the outage: %d %s Retry-After %q, want 503 auth_unavailable with Retry-After", a.status, a.code, a.retryAfter)
	}
	// The background work sees the outage: a poll and a write of the quiet
	// key's use fail.
	if _, ok := eventually(30*time.Second, func() bool {
		st := svc.Stats()
		return st.SyncFailures > st0.SyncFailures && st.FlushFailures > st0.FlushFailures
	}); !ok {
		t.Fatalf("stats %+v: the outage was not seen by the background work within 30s", svc.Stats())
	}
	clock.Store(lastGood.Add(maxStaleness - time.Millisecond).UnixNano())
	if a := get(cached); a.status != 200 {
		t.Errorf("cached key just within MaxStaleness of the last good poll: %d %s, want 200", a.status, a.code)
	}
	waitAnswer(outageHonoured)

	phase.Store(outageGoingStale)
	clock.Store(lastGood.Add(maxStaleness + time.Millisecond).UnixNano())
	phase.Store(outageStale)
	if a := get(cached); !refused(a) {
		t.Errorf("cached key just past MaxStaleness of the last good poll: %d %s Retry-After %q, want 503 auth_unavailable with Retry-After", a.status, a.code, a.retryAfter)
	}
	if a := get(uncached); !refused(a) {
		t.Errorf("unverified key late in the outage: %d %s Retry-After %q", a.status, a.code, a.retryAfter)
	}
	waitAnswer(outageStale)

	phase.Store(outageRecovering)
	pg.Start()
	t.Logf("database started again")
	// Recovery without a restart: both keys work again.
	took, ok := eventually(30*time.Second, func() bool { return get(cached).status == 200 && get(uncached).status == 200 })
	if !ok {
		t.Fatal("keys still refused 30s after the database came back")
	}
	t.Logf("recovered %v after the restart", took.Round(time.Millisecond))
	close(done)
	wg.Wait()

	// The policy, request by request.
	count := map[int]int{}
	for _, a := range load {
		count[a.phase]++
		switch {
		case a.status != 200 && !refused(a):
			t.Errorf("answer %d %s (Retry-After %q) in phase %d: want 200 or 503 auth_unavailable with Retry-After",
				a.status, a.code, a.retryAfter, a.phase)
		case a.phase == outageHonoured && a.status != 200:
			t.Errorf("cached key refused within MaxStaleness of the last good poll: %d %s", a.status, a.code)
		case a.phase == outageStale && a.status == 200:
			t.Errorf("cached key honoured past MaxStaleness of the last good poll with the database down")
		}
	}
	t.Logf("%d requests: %d while honoured, %d while stale, %d while recovering, %d across a change",
		len(load), count[outageHonoured], count[outageStale], count[outageRecovering], count[-1])

	// The quiet key's use during the outage reaches the database.
	if _, ok := eventually(30*time.Second, func() bool {
		k, err := svc.Get(ctx, "acme", quietKey.ID)
		return err == nil && !k.LastUsedAt.Before(quietAt.Truncate(time.Microsecond))
	}); !ok {
		k, err := svc.Get(ctx, "acme", quietKey.ID)
		t.Fatalf("last use during the outage (%v) not written 30s after recovery: stored %v, %v", quietAt, k.LastUsedAt, err)
	}
}
