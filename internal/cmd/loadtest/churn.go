package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"; this is a command, not a library
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// churnResult compares key counts: the store work of two instances that
// serve every key.
type churnResult struct {
	Runs []*churnRun
}

type churnRun struct {
	Keys       int
	CreateTime time.Duration
	Warm       *sample // first request of every key on every instance
	Drive      *sample // the measured load over all keys
	Window     time.Duration
	DBTx       int64 // committed + rolled back transactions in the window, both instances
	Instances  [2]serviceStats
	Load       loadRange
}

// FeedPolls is change-feed queries per second per instance (successful
// and failed Sync calls over the server's uptime): the revocation checks.
func (c *churnRun) FeedPolls() float64 {
	var n, secs float64
	for _, st := range c.Instances {
		n += float64(st.Syncs + st.SyncFailures)
		secs += st.Uptime.Seconds()
	}
	return ratio(n, secs)
}

// FlushesPerSec is last-used write batches per second per instance.
func (c *churnRun) FlushesPerSec() float64 {
	var n, secs float64
	for _, st := range c.Instances {
		n += float64(st.Flushes + st.FlushFailures)
		secs += st.Uptime.Seconds()
	}
	return ratio(n, secs)
}

// RowsPerFlush is last-used rows per write batch, both instances.
func (c *churnRun) RowsPerFlush() float64 {
	var rows, n float64
	for _, st := range c.Instances {
		rows += float64(st.LastUseWritten)
		n += float64(st.Flushes)
	}
	return ratio(rows, n)
}

// UseRowsPerSec is last-used rows written per second per instance, over
// the servers' uptime; sqlstore writes at most 1,000 per UPDATE.
func (c *churnRun) UseRowsPerSec() float64 {
	var rows, secs float64
	for _, st := range c.Instances {
		rows += float64(st.LastUseWritten)
		secs += st.Uptime.Seconds()
	}
	return ratio(rows, secs)
}

// DBTxPerSec is database transactions per second per instance in the
// measured window, counted by PostgreSQL (pg_stat_database).
func (c *churnRun) DBTxPerSec() float64 {
	return ratio(float64(c.DBTx), c.Window.Seconds()) / 2
}

func runChurn(ctx context.Context, env *environment) (*churnResult, error) {
	var res churnResult
	for _, f := range strings.Split(env.opt.churnKeys, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-churn-keys: %q is not a key count", f)
		}
		run, err := churnOnce(ctx, env, n)
		if err != nil {
			return nil, fmt.Errorf("churn with %d keys: %w", n, err)
		}
		res.Runs = append(res.Runs, run)
	}
	return &res, nil
}

// pgDSN returns dsn naming database name.
func pgDSN(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("-postgres must be a postgres:// URL")
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		return "", fmt.Errorf("-postgres must be on loopback, not %q", h)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func churnOnce(ctx context.Context, env *environment, n int) (*churnRun, error) {
	adminDSN, err := pgDSN(env.opt.pgDSN, "postgres")
	if err != nil {
		return nil, err
	}
	admin, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "keyauth_load_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("creating database: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(dctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}()
	dsn, err := pgDSN(env.opt.pgDSN, name)
	if err != nil {
		return nil, err
	}
	run := &churnRun{Keys: n}
	progress := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "churn %d keys: "+format+"\n", append([]any{n}, args...)...)
	}
	progress("creating keys in database %s", name)
	t0 := time.Now()
	keys, err := createKeys(ctx, dsn, n)
	if err != nil {
		return nil, err
	}
	run.CreateTime = time.Since(t0)

	var servers [2]*server
	defer func() {
		for _, s := range servers {
			if s != nil {
				s.kill()
			}
		}
	}()
	for i := range servers {
		// One after the other: the first claims the demo key.
		if servers[i], err = env.startServer(ctx, fmt.Sprintf("churn-%d", i), dsn); err != nil {
			return nil, err
		}
	}
	// Requests name another organization than the keys': the middleware
	// answers 404 after Authenticate succeeded (last use recorded), and
	// the handler runs no query, so the database sees keyauth's work only.
	// Each key is served by one instance (sticky routing): every key's
	// first request runs argon2id on the instance that serves it, and on
	// two CPUs twice the runs would take minutes more without changing
	// what is measured.
	target := func(i int) vegeta.Target {
		k := i % len(keys)
		return vegeta.Target{Method: "GET", URL: servers[k%2].base + "/v1/organizations/elsewhere/appointments",
			Header: bearer(keys[k])}
	}
	var next atomic.Int64
	once := func(t *vegeta.Target) error {
		i := int(next.Add(1) - 1)
		if i >= len(keys) {
			return vegeta.ErrNoTargets
		}
		*t = target(i)
		return nil
	}
	progress("verifying every key once on the instance that serves it")
	run.Warm = load(ctx, "warm", once, 8, 0, 0)
	if run.Warm.Requests != n {
		return nil, fmt.Errorf("warm-up sent %d requests, want %d", run.Warm.Requests, n)
	}
	// PostgreSQL publishes a busy backend's counters about once a second
	// and an idle one's within 10 s: let the warm-up's settle, then count
	// over a window inside steady load, so the lags cancel.
	progress("measuring")
	time.Sleep(11 * time.Second)
	var cycle atomic.Int64
	forever := func(t *vegeta.Target) error {
		*t = target(int(cycle.Add(1) - 1))
		return nil
	}
	window := env.opt.churnDrive
	run.Load.Before = loadAvg()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		run.Drive = load(ctx, "drive", forever, env.opt.churnWorker, 0, window+3*time.Second)
	}()
	sleepCtx(ctx, 1500*time.Millisecond)
	tx0, err := dbTx(ctx, admin, name)
	if err != nil {
		return nil, err
	}
	w0 := time.Now()
	sleepCtx(ctx, window)
	tx1, err := dbTx(ctx, admin, name)
	run.Window = time.Since(w0)
	wg.Wait()
	run.Load.After = loadAvg()
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	run.DBTx = tx1 - tx0
	for i, s := range servers {
		st, err := s.stop()
		servers[i] = nil
		if err != nil {
			return nil, err
		}
		run.Instances[i] = st
	}
	return run, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// dbTx reads the database's transaction count from pg_stat_database,
// through a connection to another database (which it does not count).
func dbTx(ctx context.Context, admin *sql.DB, name string) (int64, error) {
	var n int64
	err := admin.QueryRowContext(ctx,
		"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("reading pg_stat_database: %w", err)
	}
	return n, nil
}

// createKeys stores n read keys of organization "churn" through
// apikey.Service and store/sqlstore, with the lightest argon2id parameters
// the Service accepts (8 MiB, t=1): churn measures the store traffic of
// verified keys, not hashing, and 2×n first verifications at the default
// 19 MiB, t=2 would take minutes on two cores.
func createKeys(ctx context.Context, dsn string, n int) ([]string, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.Postgres)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, err
	}
	svc, err := apikey.NewService(apikey.Config{Store: store,
		Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}, MaxConcurrentHashes: 8})
	if err != nil {
		return nil, err
	}
	keys := make([]string, n)
	var next atomic.Int64
	const workers = 8
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					errs <- nil
					return
				}
				_, secret, err := svc.Create(ctx, apikey.CreateParams{OrgID: "churn", Name: "churn " + itoa(i), Permission: apikey.Read})
				if err != nil {
					errs <- err
					return
				}
				keys[i] = secret.Reveal()
			}
		}()
	}
	for range workers {
		if e := <-errs; e != nil && err == nil {
			err = e
			next.Store(int64(n)) // stop the others
		}
	}
	return keys, err
}

func (r *churnResult) print(w io.Writer) {
	fmt.Fprintln(w, "churn: 2 server instances on one PostgreSQL database; requests cycle over every key, each key served by one instance")
	for _, c := range r.Runs {
		fmt.Fprintf(w, "  %d keys (created in %v; warm-up %d first verifications in %v: %s)\n",
			c.Keys, c.CreateTime.Round(time.Millisecond), c.Warm.Requests, c.Warm.Elapsed.Round(time.Millisecond), codeList(c.Warm.Codes))
		fmt.Fprintf(w, "    load: %.0f req/s over %v: %s\n",
			float64(c.Drive.Requests)/c.Drive.Elapsed.Seconds(), c.Drive.Elapsed.Round(time.Millisecond), codeList(c.Drive.Codes))
		fmt.Fprintf(w, "    per instance, server counters over its uptime: %.2f change-feed queries/s (revocation checks); last-used writes %.2f batches/s, %.0f rows/s, %.0f rows a batch (at most 1,000 rows per UPDATE)\n",
			c.FeedPolls(), c.FlushesPerSec(), c.UseRowsPerSec(), c.RowsPerFlush())
		fmt.Fprintf(w, "    per instance, counted by PostgreSQL over %v of steady load: %.2f transactions/s, %.2f beyond the change-feed polls (last-used UPDATEs, connection checks)\n",
			c.Window.Round(time.Millisecond), c.DBTxPerSec(), c.DBTxPerSec()-c.FeedPolls())
		fmt.Fprintf(w, "    %v\n", c.Load)
		for i, st := range c.Instances {
			fmt.Fprintf(w, "    instance %d: uptime %v, syncs %d (+%d failed), flushes %d (+%d failed), last-used rows %d, cache misses %d, refreshes %d, cached keys %d\n",
				i, st.Uptime.Round(time.Millisecond), st.Syncs, st.SyncFailures, st.Flushes, st.FlushFailures,
				st.LastUseWritten, st.CacheMisses, st.Refreshes, st.CachedKeys)
		}
	}
	if len(r.Runs) >= 2 {
		a, b := r.Runs[0], r.Runs[len(r.Runs)-1]
		fmt.Fprintf(w, "  change-feed queries/s per instance, %d vs %d keys: %.2f vs %.2f (ratio %.2f; goal: constant)\n",
			b.Keys, a.Keys, b.FeedPolls(), a.FeedPolls(), ratio(b.FeedPolls(), a.FeedPolls()))
		fmt.Fprintf(w, "  all database transactions/s per instance under load, %d vs %d keys: %.2f vs %.2f\n",
			b.Keys, a.Keys, b.DBTxPerSec(), a.DBTxPerSec())
	}
}
