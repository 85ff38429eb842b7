package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"
)

// tenantsResult: one organization's keys flooded with wrong secrets;
// meanwhile another organization's first requests, each with a key of its
// own, must be served as fast as on an idle server.
type tenantsResult struct {
	AttackedKeys int
	Attackers    int
	First        int           // the other organization's first requests, one after another
	IdleCold     time.Duration // median cold verify on the idle server
	IdleRuns     []time.Duration
	Attack       *sample
	Victims      *sample
	Server       serviceStats
	Load         loadRange
}

// Goal factor over an idle cold verify.
const tenantsFactor = 3

// AllOK: the other organization's first requests all got 200.
func (r *tenantsResult) AllOK() bool {
	return r.Victims.Requests == r.First && only(r.Victims.Codes, 200)
}

// Ratio is the victims' p99 over an idle cold verify.
func (r *tenantsResult) Ratio() float64 {
	return ratio(float64(r.Victims.P99), float64(r.IdleCold))
}

// P99OK: the victims' p99 is within tenantsFactor idle cold verifies.
func (r *tenantsResult) P99OK() bool { return r.IdleCold > 0 && r.Ratio() <= tenantsFactor }

func runTenants(ctx context.Context, env *environment) (*tenantsResult, error) {
	opt := env.opt
	const idleRuns = 5
	db := env.sqlite("tenants")
	attacked, err := env.seedKeys(ctx, db, "acme", opt.tenantKeys)
	if err != nil {
		return nil, err
	}
	others, err := env.seedKeys(ctx, db, "globex", idleRuns+opt.tenantFirst)
	if err != nil {
		return nil, err
	}
	r := &tenantsResult{AttackedKeys: len(attacked), Attackers: opt.attackers, First: opt.tenantFirst}
	r.Server, err = env.session(ctx, env.bin, "tenants", db, nil, func(srv *server) error {
		otherURL := srv.base + "/v1/organizations/globex/appointments"
		// An idle cold verify: first requests of distinct keys, one at a
		// time, on the server with nothing else to do.
		for _, k := range others[:idleRuns] {
			t := time.Now()
			code, err := get(ctx, otherURL, bearer(k))
			if err != nil || code != http.StatusOK {
				return fmt.Errorf("idle cold verify: status %d, %v", code, err)
			}
			r.IdleRuns = append(r.IdleRuns, time.Since(t))
		}
		sorted := append([]time.Duration(nil), r.IdleRuns...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		r.IdleCold = quantile(sorted, 0.5)

		attackURL := srv.base + "/v1/organizations/acme/appointments"
		// The flood runs from 2 s before the first request until 1 s
		// after the last answer.
		floodCtx, stopFlood := context.WithCancel(ctx)
		defer stopFlood()
		r.Load.Before = loadAvg()
		var floodErr error
		together(func() {
			r.Attack, floodErr = flood(floodCtx, floodSpec{URL: attackURL, Keys: attacked, Workers: opt.attackers})
		}, func() {
			sleepCtx(ctx, 2*time.Second)
			r.Victims = firstRequests(ctx, otherURL, others[idleRuns:])
			sleepCtx(ctx, time.Second)
			stopFlood()
		})
		r.Load.After = loadAvg()
		return floodErr
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// firstRequests sends one GET with each key, one after another, as the
// idle cold verify does: what differs from it is the flood alone.
func firstRequests(ctx context.Context, url string, keys []string) *sample {
	client := &http.Client{Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	s := newSample()
	start := time.Now()
	for _, k := range keys {
		if ctx.Err() != nil {
			break
		}
		code, lat, ra, errText := do(ctx, client, url, k)
		s.record(time.Now(), lat, code, errText, ra != "")
	}
	s.Elapsed = time.Since(start)
	s.percentiles()
	return s
}

// do sends one GET with key and returns the status (0: no answer), the
// latency, the Retry-After header and the transport error's text.
func do(ctx context.Context, client *http.Client, url, key string) (int, time.Duration, string, string) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, 0, "", err.Error()
	}
	req.Header = bearer(key)
	t := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, time.Since(t), "", err.Error()
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, time.Since(t), res.Header.Get("Retry-After"), ""
}

func (r *tenantsResult) print(w io.Writer) {
	fmt.Fprintf(w, "tenants: %d clients flood %d keys of organization acme with wrong secrets (correct checksums);\n"+
		"        meanwhile organization globex sends its %d first requests, each with a key of its own, one after another\n",
		r.Attackers, r.AttackedKeys, r.First)
	fmt.Fprintf(w, "  idle cold verify (same server, before the flood, median of %d): %s\n", len(r.IdleRuns), ms(r.IdleCold))
	fmt.Fprintf(w, "  flood: %d requests (%.0f/s); statuses: %s\n",
		r.Attack.Requests, ratio(float64(r.Attack.Requests), r.Attack.Elapsed.Seconds()), codeList(r.Attack.Codes))
	fmt.Fprintf(w, "  globex first requests: p50 %s, p99 %s, max %s; statuses: %s\n",
		ms(r.Victims.P50), ms(r.Victims.P99), ms(r.Victims.Max), codeList(r.Victims.Codes))
	fmt.Fprintf(w, "  server: %d argon2id runs (%d first verifications of globex keys), %d throttled, %d hash-slot timeouts; %v\n",
		r.Server.HashRuns, len(r.IdleRuns)+r.First, r.Server.Throttled, r.Server.HashTimeouts, r.Load)
	if c := r.Server.coldPath(); c != "" {
		fmt.Fprintf(w, "  server: %s\n", c)
	}
	fmt.Fprintf(w, "  goal all %d first requests 200: %s\n", r.First, passFail(r.AllOK()))
	fmt.Fprintf(w, "  goal p99 <= %d x idle cold verify: %s (%.2f x: %s vs %s)\n",
		tenantsFactor, passFail(r.P99OK()), r.Ratio(), ms(r.Victims.P99), ms(r.IdleCold))
}
