package main

import (
	"context"
	"fmt"
	"io"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// lockoutResult: on a freshly started server, where the victim's key has
// never been used, attackers send the victim's id with wrong secrets at
// full speed; from the first second on, the victim sends its real key.
// Nobody without the secret may change what the holder gets.
type lockoutResult struct {
	Attackers   int
	VictimRate  int
	VictimDelay time.Duration // after the attack's start
	Duration    time.Duration // of the attack
	Attack      *sample
	Victim      *sample
	Start       time.Time // the attack's start, origin of the chart
	Server      serviceStats
	Load        loadRange
}

// Lock-out goals.
const lockoutP99Goal = 20 * time.Millisecond

// VictimOK: every victim request answered 200.
func (r *lockoutResult) VictimOK() bool {
	return r.Victim.Requests > 0 && only(r.Victim.Codes, 200)
}

// P99OK: the victim's p99 is within the goal.
func (r *lockoutResult) P99OK() bool { return r.Victim.P99 <= lockoutP99Goal }

// HashOK: the attack cost no argon2id run; the victim's first request
// one.
func (r *lockoutResult) HashOK() bool { return r.Server.HashRuns == 1 }

func runLockout(ctx context.Context, env *environment) (*lockoutResult, error) {
	opt := env.opt
	db := env.sqlite("lockout")
	victim, err := env.createKey(ctx, db, "demo", "victim", "read")
	if err != nil {
		return nil, err
	}
	r := &lockoutResult{Attackers: opt.attackers, VictimRate: opt.victimRate, VictimDelay: time.Second, Duration: opt.attackFor}
	r.Server, err = env.session(ctx, env.bin, "lockout", db, nil, func(srv *server) error {
		url := srv.base + "/v1/organizations/demo/appointments"
		victimT := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url, Header: bearer(victim)})
		r.Load.Before = loadAvg()
		r.Start = time.Now()
		var floodErr error
		together(func() {
			r.Attack, floodErr = flood(ctx, floodSpec{URL: url, Keys: []string{victim}, Workers: opt.attackers, For: opt.attackFor})
		}, func() {
			sleepCtx(ctx, r.VictimDelay)
			r.Victim = load(ctx, "victim", victimT, 8, opt.victimRate, opt.attackFor-r.VictimDelay)
		})
		r.Load.After = loadAvg()
		return floodErr
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (r *lockoutResult) print(w io.Writer) {
	fmt.Fprintf(w, "attack, lock-out case: fresh server, victim key never used on it; %d clients send its id with wrong secrets (correct checksum) at full speed for %v;\n"+
		"        the victim sends its real key at %d req/s from %v on\n", r.Attackers, r.Duration, r.VictimRate, r.VictimDelay)
	fmt.Fprintf(w, "  attackers: %d requests (%.0f/s); statuses: %s\n",
		r.Attack.Requests, ratio(float64(r.Attack.Requests), r.Attack.Elapsed.Seconds()), codeList(r.Attack.Codes))
	fmt.Fprintf(w, "  victim: %d requests, p50 %s, p99 %s, max %s; statuses: %s\n",
		r.Victim.Requests, ms(r.Victim.P50), ms(r.Victim.P99), ms(r.Victim.Max), codeList(r.Victim.Codes))
	fmt.Fprintf(w, "  server: %d argon2id runs, %d throttled, %d invalid, %d hash-slot timeouts; %v\n",
		r.Server.HashRuns, r.Server.Throttled, r.Server.Invalid, r.Server.HashTimeouts, r.Load)
	if c := r.Server.coldPath(); c != "" {
		fmt.Fprintf(w, "  server: %s\n", c)
	}
	fmt.Fprintf(w, "  goal every victim request 200: %s\n", passFail(r.VictimOK()))
	fmt.Fprintf(w, "  goal victim p99 <= %v: %s (%s)\n", lockoutP99Goal, passFail(r.P99OK()), ms(r.Victim.P99))
	fmt.Fprintf(w, "  goal argon2id runs during the attack = 1: %s (%d)\n", passFail(r.HashOK()), r.Server.HashRuns)
}

// chart draws attackers' and victim's answers per second and p99.
func (r *lockoutResult) chart() chart {
	const width = 0.5
	span := r.Duration + time.Second
	att := bucketize(r.Attack.points(r.Start), secondsDur(width), span)
	vic := bucketize(r.Victim.points(r.Start), secondsDur(width), span)
	return chart{
		Title: "attack, lock-out case: victim's real key vs a flood of wrong secrets for its id",
		XMax:  span.Seconds(),
		Panels: []panel{
			{YLabel: "answers/s (log)", Log: true, Series: []series{
				rateSeries("attackers, all answers", colorBad, att, 0, width),
				rateSeries("victim, 200", colorOK, vic, 200, width),
				rateSeries("victim, refused (not 200)", colorNeutral, vic, notOK, width),
			}},
			{YLabel: "p99, ms (log)", Log: true, Series: []series{
				p99Series("victim p99", colorThird, vic, width),
				p99Series("attackers p99", colorBad, att, width),
			}, Refs: []ref{{Label: "goal: victim ≤ 20 ms", Y: 20, Color: colorGoal}}},
		},
		Markers: []marker{{Label: "victim starts", X: r.VictimDelay.Seconds()}},
	}
}
