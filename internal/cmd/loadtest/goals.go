package main

import (
	"fmt"
	"strings"
	"time"
)

// Verdicts.
const (
	met    = "met"
	missed = "**missed**"
	notRun = "not measured"
)

func verdict(ok bool) string {
	if ok {
		return met
	}
	return missed
}

// goal is one row of the results table.
type goal struct {
	Measure, Goal, Measured, Verdict string
}

func (r *report) bench(name string) (benchResult, bool) {
	b, ok := r.Micro[name]
	return b, ok
}

// perKeyUnit is the unit of the benchmark metric that gives the bytes one
// cached key costs.
const perKeyUnit = "B/key"

// perKey finds the largest perKeyUnit metric of the BenchmarkCache
// benchmarks.
func (r *report) perKey() (string, float64, bool) {
	var name string
	var v float64
	found := false
	for n, b := range r.Micro {
		if m, ok := b.Metrics[perKeyUnit]; ok && strings.HasPrefix(n, "BenchmarkCache") && (!found || m > v || (m == v && n < name)) {
			name, v, found = n, m, true
		}
	}
	return name, v, found
}

// goals computes BENCHMARKS.md's table of goals from the measurements.
func (r *report) goals() []goal {
	var g []goal
	cached, okC := r.bench("BenchmarkAuthenticate/cached")
	sha, okS := r.bench("BenchmarkAuthenticate/sha256_lookup_baseline")
	argon, okA := r.bench("BenchmarkAuthenticate/argon2_per_request_baseline")
	row := goal{Measure: "`Authenticate/cached` vs `sha256_lookup_baseline`", Goal: "≤ 1.5×, 0 allocs", Verdict: notRun, Measured: "—"}
	if okC && okS {
		x := ratio(cached.NsOp, sha.NsOp)
		row.Measured = fmt.Sprintf("%.2f× (%.1f vs %.1f ns/op), %g allocs/op", x, cached.NsOp, sha.NsOp, cached.AllocsOp)
		row.Verdict = verdict(x <= 1.5 && cached.HasMem && cached.AllocsOp == 0)
	}
	g = append(g, row)

	row = goal{Measure: "`argon2_per_request_baseline` vs `cached`", Goal: "≥ 10,000×", Verdict: notRun, Measured: "—"}
	if okC && okA {
		x := ratio(argon.NsOp, cached.NsOp)
		row.Measured = fmt.Sprintf("%.0f× (%.2f ms vs %.1f ns/op)", x, argon.NsOp/1e6, cached.NsOp)
		row.Verdict = verdict(x >= 10_000)
	}
	g = append(g, row)

	small, okSm := r.bench("BenchmarkCacheInsert/size=1000")
	big, okBig := r.bench("BenchmarkCacheInsert/size=1000000")
	row = goal{Measure: "`CacheInsert` at `size=1000000` vs `size=1000`", Goal: "≤ 2× ns/op", Verdict: notRun, Measured: "—"}
	if okSm && okBig {
		x := ratio(big.NsOp, small.NsOp)
		row.Measured = fmt.Sprintf("%.2f× (%.0f vs %.0f ns/op; %g vs %g B/op)", x, big.NsOp, small.NsOp, big.BOp, small.BOp)
		if mid, ok := r.bench("BenchmarkCacheInsert/size=100000"); ok {
			row.Measured += fmt.Sprintf("; size=100000: %.0f ns/op", mid.NsOp)
		}
		if r.MemoryRead > 0 && r.IndexRead > 0 {
			row.Measured += fmt.Sprintf("; the %.0f ns more at a million are %.2f× one read from a 16 MiB table on this machine (%.0f ns; the index at a million keys is 16 MiB) and %.2f× one read from memory (%.0f ns, over 160 MiB)",
				big.NsOp-small.NsOp, ratio(big.NsOp-small.NsOp, r.IndexRead), r.IndexRead, ratio(big.NsOp-small.NsOp, r.MemoryRead), r.MemoryRead)
		}
		row.Verdict = verdict(x <= 2)
	}
	g = append(g, row)

	row = goal{Measure: "memory per cached key", Goal: "≤ 200 B", Verdict: notRun, Measured: "—"}
	if name, v, ok := r.perKey(); ok {
		row.Measured = fmt.Sprintf("%.0f B (%s, reported by `%s`)", v, perKeyUnit, name)
		row.Verdict = verdict(v <= 200)
	}
	g = append(g, row)

	mc, okM := r.bench("BenchmarkMiddleware/cached")
	bare, okB := r.bench("BenchmarkMiddleware/bare")
	row = goal{Measure: "middleware `cached` − `bare`", Goal: "≤ 8× one SHA-256 of the key (≈ 1 µs)", Verdict: notRun, Measured: "—"}
	// One SHA-256 of the key: the middleware benchmark's own baseline
	// when it has one (same run, same process), else the report's.
	one, src := r.SHA256, "measured by the report"
	if b, ok := r.bench("BenchmarkMiddleware/sha256_key_baseline"); ok {
		one, src = b.NsOp, "`sha256_key_baseline`"
	}
	if okM && okB && one > 0 {
		d := mc.NsOp - bare.NsOp
		row.Measured = fmt.Sprintf("%.0f ns = %.1f× one SHA-256 (%.0f ns, %s); %g allocs/op over bare",
			d, d/one, one, src, mc.AllocsOp-bare.AllocsOp)
		row.Verdict = verdict(d <= 8*one)
	}
	g = append(g, row)

	row = goal{Measure: "end-to-end throughput, auth vs no auth", Goal: "≥ 0.95", Verdict: notRun, Measured: "—"}
	if t := r.Throughput; t != nil {
		row.Measured = fmt.Sprintf("%.3f (%.0f vs %.0f req/s; p50 %s vs %s; p99 %s vs %s)", t.Ratio(),
			t.Auth.RPS(), t.NoAuth.RPS(), ms(t.Auth.P50), ms(t.NoAuth.P50), ms(t.Auth.P99), ms(t.NoAuth.P99))
		row.Verdict = verdict(t.Ratio() >= 0.95 && only(t.Auth.Codes, 200) && only(t.NoAuth.Codes, 200))
	}
	g = append(g, row)

	rss := goal{Measure: "attack: peak RSS over idle", Goal: "≤ 128 MiB", Verdict: notRun, Measured: "—"}
	p99 := goal{Measure: "attack: valid-key p99", Goal: "≤ 20 ms, no 5xx for valid keys", Verdict: notRun, Measured: "—"}
	codes := goal{Measure: "attack: attacker responses", Goal: "401 or 503 with Retry-After only, never 500", Verdict: notRun, Measured: "—"}
	if at := r.Attack; at != nil {
		peak, a := at.PeakOverIdle()
		rss.Measured = fmt.Sprintf("%s (worst of both attacks: VmHWM %s, idle VmRSS %s)", mib(peak), mib(a.PeakHWM), mib(a.IdleRSS))
		rss.Verdict = verdict(peak <= 128*1024)
		a = at.WorstP99()
		valid := at.Uncached.ValidOK() && at.Cached.ValidOK()
		p99.Measured = fmt.Sprintf("%s and %s under the uncached-id and cached-id attacks (%s and %s without attack, just before); statuses %s; %s",
			ms(at.Uncached.ValidS.P99), ms(at.Cached.ValidS.P99), ms(at.Uncached.Baseline.P99), ms(at.Cached.Baseline.P99),
			codeList(mergeCodes(at.Uncached.ValidS.Codes, at.Cached.ValidS.Codes)), a.Load)
		p99.Verdict = verdict(a.ValidS.P99 <= 20*time.Millisecond && valid)
		codes.Measured = fmt.Sprintf("%s (uncached id; %d argon2id runs, %d throttled); %s (cached id; %d argon2id runs)",
			codeList(at.Uncached.Attack.Codes), at.Uncached.Server.HashRuns, at.Uncached.Server.Throttled,
			codeList(at.Cached.Attack.Codes), at.Cached.Server.HashRuns)
		codes.Verdict = verdict(at.Uncached.AttackOK() && at.Cached.AttackOK())
	}
	g = append(g, rss, p99, codes)

	lv := goal{Measure: "attack, lock-out: victim's requests", Goal: "every one 200", Verdict: notRun, Measured: "—"}
	lp := goal{Measure: "attack, lock-out: victim p99", Goal: "≤ 20 ms", Verdict: notRun, Measured: "—"}
	lh := goal{Measure: "attack, lock-out: argon2id runs during the attack", Goal: "= 1", Verdict: notRun, Measured: "—"}
	if at := r.Attack; at != nil && at.Lockout != nil {
		l := at.Lockout
		lv.Measured = fmt.Sprintf("%s of %d (attackers: %d requests, %s)", codeList(l.Victim.Codes), l.Victim.Requests, l.Attack.Requests, codeList(l.Attack.Codes))
		lv.Verdict = verdict(l.VictimOK())
		lp.Measured = fmt.Sprintf("%s (p50 %s, max %s)", ms(l.Victim.P99), ms(l.Victim.P50), ms(l.Victim.Max))
		lp.Verdict = verdict(l.P99OK())
		lh.Measured = fmt.Sprintf("%d (%d throttled, %d hash-slot timeouts)", l.Server.HashRuns, l.Server.Throttled, l.Server.HashTimeouts)
		lh.Verdict = verdict(l.HashOK())
	}
	g = append(g, lv, lp, lh)

	row = goal{Measure: "tenants: another organization's 50 first requests during a flood", Goal: "all 200, p99 ≤ 3× an idle cold verify", Verdict: notRun, Measured: "—"}
	if t := r.Tenants; t != nil {
		row.Goal = fmt.Sprintf("all 200, p99 ≤ %d× an idle cold verify", tenantsFactor)
		row.Measured = fmt.Sprintf("%s; p99 %s = %.2f× the idle cold verify (%s)", codeList(t.Victims.Codes), ms(t.Victims.P99), t.Ratio(), ms(t.IdleCold))
		row.Verdict = verdict(t.AllOK() && t.P99OK())
	}
	g = append(g, row)

	rh := goal{Measure: "restart: argon2id runs for N distinct keys", Goal: "= N (1,000)", Verdict: notRun, Measured: "—"}
	rr := goal{Measure: "restart: time to serve all / (N × one argon2id / slots)", Goal: "≤ 1.2", Verdict: notRun, Measured: "—"}
	if x := r.Restart; x != nil {
		rh.Goal = fmt.Sprintf("= N (%d)", x.N)
		rh.Measured = fmt.Sprintf("%d; %d answers were 503 (retried); %d of %d keys served", x.Server.HashRuns, x.Unavailable(), x.Served, x.N)
		rh.Verdict = verdict(x.HashOK())
		rr.Measured = fmt.Sprintf("%.3f (%s to serve %d of %d keys vs %d × %s / %d slots = %s)",
			x.Ratio(), ms(x.Total), x.Served, x.N, x.N, ms(x.Argon), x.Slots, ms(x.Limit()))
		rr.Verdict = verdict(x.RatioOK())
	}
	g = append(g, rh, rr)

	row = goal{Measure: "stale: store reads per second, store stopped, past MaxStaleness", Goal: "≤ cached keys", Verdict: notRun, Measured: "—"}
	if x := r.Stale; x != nil {
		row.Goal = fmt.Sprintf("≤ cached keys (%d)", x.Keys)
		row.Measured = fmt.Sprintf("peak %d/s (per second: %v) under %.0f requests/s", x.PeakReads(), x.StaleReads(), x.Answers.Rate())
		row.Verdict = verdict(x.ReadsOK())
	}
	g = append(g, row)

	row = goal{Measure: "cold burst of 100", Goal: "1 argon2id run, all 200", Verdict: notRun, Measured: "—"}
	if c := r.Cold; c != nil {
		row.Measured = fmt.Sprintf("%d argon2id run(s); %s", c.Server.HashRuns, codeList(c.Codes))
		row.Verdict = verdict(c.OK())
	}
	g = append(g, row)

	row = goal{Measure: "churn: DB queries/s per instance from revocation checks", Goal: "constant in the number of keys", Verdict: notRun, Measured: "—"}
	if c := r.Churn; c != nil && len(c.Runs) >= 2 {
		a, b := c.Runs[0], c.Runs[len(c.Runs)-1]
		x := ratio(b.FeedPolls(), a.FeedPolls())
		row.Measured = fmt.Sprintf("change-feed polls %.2f/s at %d keys vs %.2f/s at %d keys (%.2f×); all transactions counted by PostgreSQL under load, revocation checks and last-used writes: %.2f/s vs %.2f/s",
			a.FeedPolls(), a.Keys, b.FeedPolls(), b.Keys, x, a.DBTxPerSec(), b.DBTxPerSec())
		row.Verdict = verdict(x >= 0.8 && x <= 1.25)
	}
	g = append(g, row)
	return g
}
