package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// throughputResult compares an authenticated GET with the same handler
// served without auth by the same process. The process is the twin
// (twin/twin.go): the example built with one more file that serves its
// handler on a second loopback listener without the keyauth middleware.
// The example itself has no such listener.
type throughputResult struct {
	Workers int
	Rounds  int
	Round   time.Duration
	Path    string
	Auth    *sample
	NoAuth  *sample
	Server  serviceStats
	// Per-round throughput, to show the spread.
	AuthRounds, NoAuthRounds []float64
	Load                     loadRange
}

// Ratio is authenticated throughput over unauthenticated throughput.
func (r *throughputResult) Ratio() float64 { return ratio(r.Auth.RPS(), r.NoAuth.RPS()) }

func runThroughput(ctx context.Context, env *environment) (*throughputResult, error) {
	opt := env.opt
	db := env.sqlite("throughput")
	key, err := env.createKey(ctx, db, "demo", "throughput", "read")
	if err != nil {
		return nil, err
	}
	noAuthAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	twin, err := env.twinBinary(ctx)
	if err != nil {
		return nil, err
	}
	const path = "/v1/organizations/demo/appointments"
	r := &throughputResult{Workers: opt.tpWorkers, Rounds: opt.tpRounds, Round: opt.tpRound, Path: path}
	env2 := []string{"LOADTEST_TWIN_NOAUTH_ADDR=" + noAuthAddr, "LOADTEST_TWIN_DB=" + db}
	r.Server, err = env.session(ctx, twin, "throughput", db, env2, func(srv *server) error {
		authURL, noAuthURL := srv.base+path, "http://"+noAuthAddr+path
		// The twin's listener opens its own pool after the server's start.
		if err := waitOK(ctx, noAuthURL, 30*time.Second); err != nil {
			return err
		}
		// Warm up: the key's argon2id run, connections, the page's query.
		for _, u := range []struct {
			url string
			h   http.Header
		}{{authURL, bearer(key)}, {noAuthURL, nil}} {
			if code, err := get(ctx, u.url, u.h); err != nil || code != http.StatusOK {
				return fmt.Errorf("warm-up GET %s: status %d, %v", u.url, code, err)
			}
		}
		authT := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: authURL, Header: bearer(key)})
		noAuthT := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: noAuthURL})
		load(ctx, "warm", authT, opt.tpWorkers, 0, time.Second)
		load(ctx, "warm", noAuthT, opt.tpWorkers, 0, time.Second)
		// Both modes run at once, half the clients each: whatever else
		// the machine does (the load generator itself, GC, the key
		// service's background polls, CPU frequency) slows both alike, so
		// the ratio compares only what each request costs. Run one after
		// the other, the modes' rounds differed by more than the effect
		// measured.
		r.Load.Before = loadAvg()
		for i := 0; i < opt.tpRounds && ctx.Err() == nil; i++ {
			var a, n *sample
			together(func() { a = load(ctx, "auth", authT, opt.tpWorkers/2, 0, opt.tpRound) },
				func() { n = load(ctx, "noauth", noAuthT, opt.tpWorkers/2, 0, opt.tpRound) })
			r.AuthRounds = append(r.AuthRounds, a.RPS())
			r.NoAuthRounds = append(r.NoAuthRounds, n.RPS())
			if r.Auth == nil {
				r.Auth, r.NoAuth = a, n
				continue
			}
			r.Auth.merge(a)
			r.NoAuth.merge(n)
		}
		r.Load.After = loadAvg()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// waitOK polls url until it answers 200, for at most d.
func waitOK(ctx context.Context, url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		code, err := get(ctx, url, nil)
		if err == nil && code == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s did not answer 200 within %v: status %d, %v", url, d, code, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// get does one GET and drains the answer.
func get(ctx context.Context, url string, h http.Header) (int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	req.Header = h.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

func (r *throughputResult) print(w io.Writer) {
	fmt.Fprintf(w, "throughput: GET %s; %d keep-alive clients with a key and %d without, at the same time; %d rounds of %v\n",
		r.Path, r.Workers/2, r.Workers/2, r.Rounds, r.Round)
	for _, m := range []struct {
		name string
		s    *sample
	}{{"auth   ", r.Auth}, {"no auth", r.NoAuth}} {
		fmt.Fprintf(w, "  %s  %8.0f req/s  p50 %s  p99 %s  (%d requests: %s)\n",
			m.name, m.s.RPS(), ms(m.s.P50), ms(m.s.P99), m.s.Requests, codeList(m.s.Codes))
	}
	fmt.Fprintf(w, "  per round, req/s: auth %s; no auth %s\n", rounds(r.AuthRounds), rounds(r.NoAuthRounds))
	fmt.Fprintf(w, "  ratio auth/no-auth throughput: %.3f (goal >= 0.95)\n", r.Ratio())
	fmt.Fprintf(w, "  server: %d argon2id runs, %d cache hits; %v\n", r.Server.HashRuns, r.Server.CacheHits, r.Load)
}

func rounds(v []float64) string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(out, " ")
}
