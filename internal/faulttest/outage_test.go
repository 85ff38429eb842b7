package faulttest

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/testdb"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/sqlstore"
)

// outcome is one answer during the load run.
type outcome struct {
	at         time.Time // when the request was sent
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
func TestPostgresOutage(t *testing.T) {
	const (
		maxStaleness = 3 * time.Second
		syncInterval = 200 * time.Millisecond
	)
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
	svc, err := apikey.NewService(apikey.Config{
		Store: store, Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1},
		SyncInterval: syncInterval, MaxStaleness: maxStaleness, FlushInterval: 300 * time.Millisecond,
		HashWait: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stopRun := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); svc.Run(runCtx) }()
	t.Cleanup(func() { stopRun(); <-ran })

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
	get := func(key string) outcome {
		o := outcome{at: time.Now()}
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("GET: %v", err)
			return o
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		o.status, o.retryAfter = res.StatusCode, res.Header.Get("Retry-After")
		if res.StatusCode != 200 {
			var p struct{ Code string }
			json.Unmarshal(b, &p)
			o.code = p.Code
		}
		return o
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
		if o := get(k); o.status != 200 {
			t.Fatalf("before the outage: %d %s", o.status, o.code)
		}
	}
	if err := svc.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	// The load: one client with the cached key, all along.
	var (
		mu   sync.Mutex
		load []outcome
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			o := get(cached)
			mu.Lock()
			load = append(load, o)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	time.Sleep(500 * time.Millisecond)

	stopped := time.Now()
	pg.Stop()
	t.Logf("database stopped")
	// While cached keys are honoured: the quiet key works (its last use is
	// buffered), an unverified key is refused with 503.
	quietUse := get(quiet)
	if quietUse.status != 200 {
		t.Errorf("cached key right after the outage began: %d %s, want 200", quietUse.status, quietUse.code)
	}
	if o := get(uncached); o.status != 503 || o.code != "auth_unavailable" || o.retryAfter == "" {
		t.Errorf("unverified key during the outage: %d %s Retry-After %q, want 503 auth_unavailable with Retry-After", o.status, o.code, o.retryAfter)
	}
	time.Sleep(maxStaleness + 2*time.Second)
	if o := get(uncached); o.status != 503 || o.retryAfter == "" {
		t.Errorf("unverified key late in the outage: %d %s", o.status, o.code)
	}
	restarted := time.Now()
	pg.Start()
	t.Logf("database started again")

	// Recovery without a restart: within a few seconds both keys work.
	deadline := time.Now().Add(15 * time.Second)
	for get(cached).status != 200 || get(uncached).status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("keys still refused 15s after the database came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("recovered %v after the restart", time.Since(restarted).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	close(done)
	wg.Wait()

	// The policy, request by request. The last good poll was at most one
	// SyncInterval before the stop; half of MaxStaleness leaves room for a
	// request that a loaded machine answers late.
	honouredUntil := stopped.Add(maxStaleness / 2)
	refusedFrom := stopped.Add(maxStaleness + time.Second)
	var ok, refused int
	for _, o := range load {
		switch {
		case o.status == 200:
			ok++
			if o.at.After(refusedFrom) && o.at.Before(restarted) {
				t.Errorf("cached key honoured %v after the stop, past MaxStaleness %v", o.at.Sub(stopped), maxStaleness)
			}
		case o.status == 503 && o.code == "auth_unavailable" && o.retryAfter != "":
			refused++
			if o.at.Before(honouredUntil) {
				t.Errorf("cached key refused %v after the stop, within MaxStaleness %v", o.at.Sub(stopped), maxStaleness)
			}
		default:
			t.Errorf("answer %d %s (Retry-After %q) %v after the stop: want 200 or 503 auth_unavailable with Retry-After",
				o.status, o.code, o.retryAfter, o.at.Sub(stopped))
		}
	}
	if ok == 0 || refused == 0 {
		t.Fatalf("%d answers 200 and %d refused: the load did not span the policy", ok, refused)
	}
	t.Logf("%d requests: %d honoured, %d refused with 503", len(load), ok, refused)

	// The quiet key's use during the outage reaches the database.
	deadline = time.Now().Add(10 * time.Second)
	for {
		k, err := svc.Get(ctx, "acme", quietKey.ID)
		if err == nil && !k.LastUsedAt.Before(quietUse.at.Truncate(time.Microsecond)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last use during the outage (%v) not written 10s after recovery: stored %v, %v",
				quietUse.at, k.LastUsedAt, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st := svc.Stats(); st.FlushFailures == 0 || st.SyncFailures == 0 {
		t.Errorf("stats %+v: the outage was not seen by the background work", st)
	}
}
