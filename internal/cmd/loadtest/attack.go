package main

import (
	"context"
	"fmt"
	"io"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// attackResult: clients with wrong secrets for a real key id, at full
// speed, while clients with the valid key go on at a steady rate.
type attackResult struct {
	SameKey          bool // the attacked id is the valid clients' key
	Attackers, Valid int
	ValidRate        int
	Duration         time.Duration
	IdleRSS          int64 // KiB, before the attack
	PeakHWM          int64 // KiB, VmHWM after the attack
	HWMReset         bool  // VmHWM was reset to the idle RSS before the attack
	Attack           *sample
	ValidS           *sample
	Baseline         *sample       // the valid clients alone, just before the attack
	ServerCPU        time.Duration // CPU time the server used during the attack
	Server           serviceStats
	Load             loadRange
}

// PeakOverIdle is the peak RSS over the idle RSS, KiB.
func (r *attackResult) PeakOverIdle() int64 { return r.PeakHWM - r.IdleRSS }

// AttackOK: attackers saw only 401, or 503 with Retry-After.
func (r *attackResult) AttackOK() bool {
	return only(r.Attack.Codes, 401, 503) && r.Attack.No503RA == 0
}

// ValidOK: the valid clients saw only 200.
func (r *attackResult) ValidOK() bool { return only(r.ValidS.Codes, 200) }

// attackReport holds both attacks: on the id of a key this server has not
// verified yet (every wrong secret is a cache miss) and on the id of the
// valid clients' own key (cached: wrong secrets are told apart by digest,
// and must not lock its owner out).
//
// A third case, Lockout, attacks a key the server has never verified while
// its holder uses it (lockout.go).
type attackReport struct {
	Uncached, Cached *attackResult
	Lockout          *lockoutResult
}

func runAttack(ctx context.Context, env *environment) (*attackReport, error) {
	var r attackReport
	var err error
	if r.Uncached, err = attackOnce(ctx, env, false); err != nil {
		return nil, err
	}
	if r.Cached, err = attackOnce(ctx, env, true); err != nil {
		return nil, err
	}
	if r.Lockout, err = runLockout(ctx, env); err != nil {
		return nil, err
	}
	return &r, nil
}

func (r *attackReport) runs() []*attackResult { return []*attackResult{r.Uncached, r.Cached} }

// PeakOverIdle is the worst of both runs, KiB.
func (r *attackReport) PeakOverIdle() (int64, *attackResult) {
	w := r.Uncached
	if r.Cached.PeakOverIdle() > w.PeakOverIdle() {
		w = r.Cached
	}
	return w.PeakOverIdle(), w
}

// WorstP99 is the run whose valid clients had the higher p99.
func (r *attackReport) WorstP99() *attackResult {
	if r.Cached.ValidS.P99 > r.Uncached.ValidS.P99 {
		return r.Cached
	}
	return r.Uncached
}

func (r *attackReport) print(w io.Writer) {
	for _, a := range r.runs() {
		a.print(w)
	}
	if r.Lockout != nil {
		r.Lockout.print(w)
	}
}

func attackOnce(ctx context.Context, env *environment, sameKey bool) (*attackResult, error) {
	opt := env.opt
	name := "attack-uncached"
	if sameKey {
		name = "attack-cached"
	}
	db := env.sqlite(name)
	key, err := env.createKey(ctx, db, "demo", "valid", "read")
	if err != nil {
		return nil, err
	}
	target := key
	if !sameKey {
		if target, err = env.createKey(ctx, db, "demo", "attacked", "read"); err != nil {
			return nil, err
		}
	}
	if _, err := apikey.Parse(keytest.WrongSecret(target)); err != nil {
		return nil, fmt.Errorf("a forged key does not parse: %v", err)
	}
	r := &attackResult{SameKey: sameKey, Attackers: opt.attackers, Valid: opt.validUsers, ValidRate: opt.validRate, Duration: opt.attackFor}
	r.Server, err = env.session(ctx, env.bin, name, db, nil, func(srv *server) error {
		url := srv.base + "/v1/organizations/demo/appointments"
		// The valid key is in use before the attack starts (its argon2id
		// run done), as a key in production would be.
		validT := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url, Header: bearer(key)})
		load(ctx, "warm", validT, opt.validUsers, opt.validRate, 2*time.Second)
		// The same valid load without attackers: what the machine gives
		// without the attack, to read the attack's p99 against.
		r.Baseline = load(ctx, "baseline", validT, opt.validUsers, opt.validRate, opt.attackFor)
		time.Sleep(time.Second)
		var err error
		if _, r.IdleRSS, err = procMemory(srv.pid()); err != nil {
			return err
		}
		r.HWMReset = resetPeakRSS(srv.pid()) == nil
		r.Load.Before = loadAvg()
		cpu0, err := procCPU(srv.pid())
		if err != nil {
			return err
		}
		var floodErr error
		together(func() {
			r.Attack, floodErr = flood(ctx, floodSpec{URL: url, Keys: []string{target}, Workers: opt.attackers, For: opt.attackFor})
		}, func() {
			r.ValidS = load(ctx, "valid", validT, opt.validUsers, opt.validRate, opt.attackFor)
		})
		r.Load.After = loadAvg()
		if floodErr != nil {
			return floodErr
		}
		cpu1, err := procCPU(srv.pid())
		if err != nil {
			return err
		}
		r.ServerCPU = cpu1 - cpu0
		r.PeakHWM, _, err = procMemory(srv.pid())
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (r *attackResult) print(w io.Writer) {
	which := "another real key, not yet verified on this server (cache misses)"
	if r.SameKey {
		which = "the valid clients' own key (cached)"
	}
	fmt.Fprintf(w, "attack on %s: %d clients with wrong secrets (correct checksum), full speed, %v;\n"+
		"        %d clients with the valid key at %d req/s together\n", which, r.Attackers, r.Duration, r.Valid, r.ValidRate)
	reset := "VmHWM reset to current RSS before the attack"
	if !r.HWMReset {
		reset = "VmHWM could NOT be reset: it includes the start-up peak"
	}
	fmt.Fprintf(w, "  server RSS: idle %s, peak (VmHWM) %s, peak over idle %s (goal <= 128 MiB; %s)\n",
		mib(r.IdleRSS), mib(r.PeakHWM), mib(r.PeakOverIdle()), reset)
	fmt.Fprintf(w, "  valid key: %d requests, p50 %s, p99 %s, max %s (goal p99 <= 20 ms, no 5xx); statuses: %s\n",
		r.ValidS.Requests, ms(r.ValidS.P50), ms(r.ValidS.P99), ms(r.ValidS.Max), codeList(r.ValidS.Codes))
	fmt.Fprintf(w, "  valid key without attack, just before: p50 %s, p99 %s, max %s; statuses: %s\n",
		ms(r.Baseline.P50), ms(r.Baseline.P99), ms(r.Baseline.Max), codeList(r.Baseline.Codes))
	fmt.Fprintf(w, "  attackers: %d requests (%.0f/s); statuses: %s; 503 without Retry-After: %d (goal 401 or 503+Retry-After only)\n",
		r.Attack.Requests, float64(r.Attack.Requests)/r.Attack.Elapsed.Seconds(), codeList(r.Attack.Codes), r.Attack.No503RA)
	fmt.Fprintf(w, "  server: %d argon2id runs, %d throttled, %d invalid, %d hash-slot timeouts\n",
		r.Server.HashRuns, r.Server.Throttled, r.Server.Invalid, r.Server.HashTimeouts)
	if c := r.Server.coldPath(); c != "" {
		fmt.Fprintf(w, "  server: %s\n", c)
	}
	if n := r.Attack.Requests + r.ValidS.Requests; n > 0 {
		fmt.Fprintf(w, "  server CPU during the attack: %.2f s of %.0f s×2 CPUs, %.0f µs per request\n",
			r.ServerCPU.Seconds(), r.Duration.Seconds(), float64(r.ServerCPU.Microseconds())/float64(n))
	}
	fmt.Fprintf(w, "  %v\n", r.Load)
}
