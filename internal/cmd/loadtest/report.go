package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// report is everything BENCHMARKS.md shows.
type report struct {
	Machine machine

	MicroOut string // raw `go test -bench` output
	MicroErr string // why it failed, if it did
	Micro    map[string]benchResult
	SHA256   float64 // ns for one SHA-256 of a key

	Throughput *throughputResult
	Cold       *coldBurstResult
	Attack     *attackReport
	Tenants    *tenantsResult
	Restart    *restartResult
	Stale      *staleResult
	Churn      *churnResult
	Errs       map[string]string // scenario -> error
	// The machine's load average when the report started and ended.
	LoadStart, LoadEnd float64
	Charts             []chartFile
}

// chartFile is one SVG the report wrote, as BENCHMARKS.md links it.
type chartFile struct {
	Name, Alt, Link string
}

// scenarios are the report's scenarios in the order it runs them.
var scenarios = []string{"throughput", "cold-burst", "attack", "tenants", "restart", "stale", "churn"}

type machine struct {
	CPUs      int
	CPUModel  string
	GoVersion string
	Kernel    string
	Date      string
}

func currentMachine(ctx context.Context) machine {
	m := machine{CPUs: runtime.NumCPU(), Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"), CPUModel: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.CommandContext(ctx, "go", "version").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func runReport(ctx context.Context, env *environment, out io.Writer) error {
	r := &report{Machine: currentMachine(ctx), Errs: map[string]string{}, LoadStart: loadAvg()}
	if !env.opt.skipMicro {
		fmt.Fprintln(out, "micro-benchmarks:", strings.Join(microCommand, " "))
		var err error
		r.MicroOut, err = runMicro(ctx, env)
		if err != nil {
			r.MicroErr = err.Error()
		}
		r.Micro = parseBench(r.MicroOut)
		r.SHA256 = sha256Nanos()
		fmt.Fprint(out, r.MicroOut)
	}
	step := func(name string, f func() (interface{ print(io.Writer) }, error)) {
		if ctx.Err() != nil {
			r.Errs[name] = ctx.Err().Error()
			return
		}
		fmt.Fprintln(out, "running", name, "...")
		res, err := f()
		if err != nil {
			r.Errs[name] = err.Error()
			fmt.Fprintln(out, name, "failed:", err)
			return
		}
		res.print(out)
	}
	step("throughput", func() (interface{ print(io.Writer) }, error) {
		var err error
		r.Throughput, err = runThroughput(ctx, env)
		return r.Throughput, err
	})
	step("cold-burst", func() (interface{ print(io.Writer) }, error) {
		var err error
		r.Cold, err = runColdBurst(ctx, env)
		return r.Cold, err
	})
	step("attack", func() (interface{ print(io.Writer) }, error) {
		var err error
		r.Attack, err = runAttack(ctx, env)
		return r.Attack, err
	})
	step("tenants", func() (interface{ print(io.Writer) }, error) {
		var err error
		r.Tenants, err = runTenants(ctx, env)
		return r.Tenants, err
	})
	step("restart", func() (interface{ print(io.Writer) }, error) {
		var err error
		r.Restart, err = runRestart(ctx, env)
		return r.Restart, err
	})
	step("stale", func() (interface{ print(io.Writer) }, error) {
		var err error
		r.Stale, err = runStale(ctx, env)
		return r.Stale, err
	})
	step("churn", func() (interface{ print(io.Writer) }, error) {
		var err error
		r.Churn, err = runChurn(ctx, env)
		return r.Churn, err
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.LoadEnd = loadAvg()
	path := env.opt.out
	if !filepath.IsAbs(path) {
		path = filepath.Join(env.root, path)
	}
	dir := env.opt.charts
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(env.root, dir)
	}
	if err := r.writeCharts(dir, filepath.Dir(path)); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(renderReport(r)), 0o644); err != nil { // #nosec G306 -- a report to commit and read, no secret in it
		return err
	}
	fmt.Fprintln(out, "wrote", path)
	return nil
}

// writeCharts writes the SVG of every scenario that ran into dir and
// records how a file in mdDir links them.
func (r *report) writeCharts(dir, mdDir string) error {
	type todo struct {
		name, alt string
		c         chart
	}
	var todos []todo
	if r.Attack != nil && r.Attack.Lockout != nil {
		todos = append(todos, todo{"attack.svg", "attack, lock-out case: answers per second and p99", r.Attack.Lockout.chart()})
	}
	if r.Restart != nil {
		todos = append(todos, todo{"restart.svg", "restart: answers per second and p99", r.Restart.chart()})
	}
	if r.Stale != nil {
		todos = append(todos, todo{"stale.svg", "stale: answers and store reads per second, p99", r.Stale.chart()})
	}
	if len(todos) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	for _, t := range todos {
		p := filepath.Join(dir, t.name)
		if err := os.WriteFile(p, []byte(t.c.render()), 0o644); err != nil { // #nosec G306 -- a chart to commit and read, no secret in it
			return err
		}
		link, err := filepath.Rel(mdDir, p)
		if err != nil {
			link = p
		}
		r.Charts = append(r.Charts, chartFile{Name: t.name, Alt: t.alt, Link: filepath.ToSlash(link)})
	}
	return nil
}

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
		rh.Measured = fmt.Sprintf("%d; %d answers were 503 (retried until served)", x.Server.HashRuns, x.Unavailable())
		rh.Verdict = verdict(x.HashOK())
		rr.Measured = fmt.Sprintf("%.2f (%s to serve %d of %d keys vs %d × %s / %d slots = %s)",
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

func renderReport(r *report) string {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# keyauth benchmarks\n\n")
	w("Generated by `go run ./internal/cmd/loadtest report` on %s. Do not edit by hand: run it again.\n\n", r.Machine.Date)
	w("## Machine\n\n")
	w("- CPUs (nproc): %d\n- CPU: %s\n- Go: %s\n- Linux: %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.GoVersion, r.Machine.Kernel)
	w("- Load generator, server(s) and PostgreSQL share these CPUs: end-to-end numbers are lower bounds of what the server alone does.\n")
	w("- %s\n\n", r.loadLine())
	w("## Commands\n\n```\n")
	w("%s\n", shellLine(microCommand))
	for _, name := range scenarios {
		w("go run ./internal/cmd/loadtest %s\n", name)
	}
	w("go run ./internal/cmd/loadtest report   # all of the above; writes this file and the charts\n```\n\n")
	w("%s\n\n", howMeasured)
	w("## Results against the goals\n\n| measure | goal | measured | verdict |\n| --- | --- | --- | --- |\n")
	for _, g := range r.goals() {
		w("| %s | %s | %s | %s |\n", g.Measure, g.Goal, g.Measured, g.Verdict)
	}
	w("\n")
	if len(r.Charts) > 0 {
		w("## Charts\n\n")
		for _, c := range r.Charts {
			w("![%s](%s)\n\n", c.Alt, c.Link)
		}
	}
	if len(r.Errs) > 0 {
		w("Scenarios that failed in this run:\n\n")
		for _, name := range scenarios {
			if e, ok := r.Errs[name]; ok {
				w("- %s: %s\n", name, strings.ReplaceAll(e, "\n", " "))
			}
		}
		w("\n")
	}
	if notes := r.notes(); len(notes) > 0 {
		w("## Notes on this run\n\n")
		for _, n := range notes {
			w("- %s\n", n)
		}
		w("\n")
	}
	w("## What the numbers mean\n\n")
	w(meaning)
	w("\n## Raw output\n\n### Micro-benchmarks\n\n")
	switch {
	case r.MicroOut == "" && r.MicroErr == "":
		w("Not run (-skip-micro).\n\n")
	default:
		if r.MicroErr != "" {
			w("`go test` reported a failure (%s); lines of the packages that ran are still used.\n\n", r.MicroErr)
		}
		w("Each benchmark ran 5 times (`-count 5`); the table above uses the median ns/op and the largest allocs/op. One SHA-256 of a 58-byte key, measured by the report program: %.1f ns.\n\n```\n%s```\n\n", r.SHA256, r.MicroOut)
	}
	for _, s := range []struct {
		name string
		res  interface{ print(io.Writer) }
		ok   bool
	}{
		{"throughput", r.Throughput, r.Throughput != nil},
		{"cold-burst", r.Cold, r.Cold != nil},
		{"attack", r.Attack, r.Attack != nil},
		{"tenants", r.Tenants, r.Tenants != nil},
		{"restart", r.Restart, r.Restart != nil},
		{"stale", r.Stale, r.Stale != nil},
		{"churn", r.Churn, r.Churn != nil},
	} {
		w("### %s\n\n", s.name)
		if !s.ok {
			w("Not measured.\n\n")
			continue
		}
		w("```\n")
		s.res.print(&b)
		w("```\n\n")
	}
	return b.String()
}

// howMeasured says which binary each scenario runs and where its counters
// come from.
const howMeasured = "Every scenario but `stale` builds `./examples/driive` from its sources, runs it as a separate process on 127.0.0.1 (SQLite, a fresh database per scenario) and loads it over keep-alive connections (vegeta, github.com/tsenart/vegeta/v12, or plain net/http clients where each request needs its own key or timing). " +
	"Argon2id runs and the other `apikey.Service` counters are the server's own: it logs `Service.Stats()` as one line at shutdown (`driive: keyauth stats`), and the tool reads that line after SIGTERM; the example exposes no counter over HTTP. " +
	"Only `throughput` runs another build: the example plus `internal/cmd/loadtest/twin/twin.go`, added with `go build -overlay` in the tool's temporary directory, which serves the same handler without the middleware on a second loopback listener (the no-auth side of the ratio); the same twin's `loadtest-seed` command creates scenario keys through the example's key store (default argon2id parameters). " +
	"`stale` runs in the tool's process: `apikey.Service` and the middleware over a memstore wrapped in a store that counts every call and can be stopped (every call then fails at once, as a database refusing connections), since stopping the example's database from outside would stop a server others use; store reads are counted there, per second."

const meaning = "- **Authenticate/cached vs sha256_lookup_baseline**: the Service's cached path (parse, checksum, SHA-256 of the key, cache lookup, status and expiry check, last-used mark) against what hosted verifiers do (SHA-256 and a map lookup), both in `apikey`'s `BenchmarkAuthenticate`. 0 allocs means the hot path makes no garbage.\n" +
	"- **CacheInsert**: `apikey`'s `BenchmarkCacheInsert`, one insert into a cache filled to 1,000, 100,000 or 1,000,000 keys first (outside the timer): the cost of an insert must not grow with the cache. **Memory per cached key** is the `B/key` metric a `BenchmarkCache…` benchmark reports (the largest over its runs).\n" +
	"- **argon2_per_request_baseline vs cached**: how much a design that runs argon2id (19 MiB, t=2) on every request would cost over the cache.\n" +
	"- **middleware cached − bare**: what the net/http middleware adds to a handler for a warmed key (header parsing, Authenticate, organization and permission checks, the context), in units of one SHA-256 of the key, measured in the same run.\n" +
	"- **end-to-end throughput**: `GET /v1/organizations/demo/appointments` of the example server (SQLite), with a read key vs the same handler without the keyauth middleware on a second loopback listener, same process, same request log, both modes at once. The example has no such listener: the load tool builds a twin of it (`go build -overlay` adding `internal/cmd/loadtest/twin/twin.go`, tag `loadtesttwin`) and runs that for this scenario only; every other scenario runs the example binary as built from its sources. Throughput counts 2xx answers per second of wall time; p50/p99 are over every request of the mode.\n" +
	"- **attack**: clients send the valid key's id with random secrets and a correct checksum (so every offline check passes and the server must consult the store); the valid clients send at a fixed rate (open loop, so queueing shows in p99). RSS: VmHWM from /proc after the attack, reset (clear_refs) to the idle RSS just before it, minus that idle VmRSS. After 10 wrong secrets in a minute the id is throttled (Config.FailureLimit): attackers then get 401 without argon2id, which is why the argon2id count stays small.\n" +
	"- **cold burst**: a server just started, 100 goroutines each sending one request with the same valid key at once; argon2id runs are the server's own count (`apikey.Service.Stats`, logged at shutdown).\n" +
	"- **attack, lock-out case**: a fresh server whose store holds the victim's key, never used on it; 64 clients send the victim's id with random secrets and a correct checksum at full speed for 10 s, and from the first second the victim sends its real key at 20 requests/s (open loop). Every victim request must be 200 and fast, and the attack must cost no argon2id run: the server's count at shutdown must be 1 (the victim's first request).\n" +
	"- **tenants**: 64 clients flood 30 keys of organization `acme` with wrong secrets; 2 s into the flood organization `globex` sends 50 first requests, each with a key of its own, one every 100 ms. The reference is an idle cold verify on the same server just before the flood (first requests of 5 other `globex` keys, one at a time, median).\n" +
	"- **restart**: 1,000 keys seeded with the default argon2id parameters (19 MiB, t=2), a fresh server, each key's first request sent at its own moment within the first second; a 503 is retried after its Retry-After (1 s without one), at most 30 attempts per key, 5 minutes in all. The time to serve all runs from the first request to the last 200. One argon2id run is measured by the tool on the same machine just before (golang.org/x/crypto/argon2, default parameters, median of 7); slots are GOMAXPROCS, the Service's default MaxConcurrentHashes.\n" +
	"- **stale**: 100 cached keys, 16 clients at full speed; MaxStaleness 2 s and SyncInterval 500 ms so the scenario stays short; the store answers for 3 s, is stopped for 10 s and answers again for 4 s. Store reads are the store's `Get` calls; the goal is judged on each whole second from MaxStaleness + 1 s after the stop until the store is back. The charts mark the phases.\n" +
	"- **churn**: two server instances on one fresh PostgreSQL database, keys created through `apikey.Service` + `store/sqlstore` with the lightest accepted argon2id parameters (8 MiB, t=1; churn measures store traffic, not hashing). Each key is served by one of the two instances (sticky routing, so each instance holds half the keys); every key is first verified once (warm-up), then requests cycle over all keys. Requests name another organization than the keys', so the middleware answers 404 *after* authenticating the key (last use recorded) and the example's handler runs no SQL: the database work is keyauth's alone. \"Revocation checks\" are change-feed polls (one SELECT each; `Stats.Syncs` + failures over uptime); last-used writes are `Stats.Flushes` batches, each at most 1,000 keys per UPDATE (sqlstore). PostgreSQL's own count (pg_stat_database xact_commit + xact_rollback of the database, over a window of steady load) is shown as a cross-check; it includes both. Revocation checks do not depend on the number of keys; last-used writes are one batch per 5 s per instance, but a batch takes one UPDATE per 1,000 keys used since the last one, so their statements grow with the keys in use (rows, of course, too).\n"

func mergeCodes(ms ...map[int]int) map[int]int {
	out := map[int]int{}
	for _, m := range ms {
		for k, v := range m {
			out[k] += v
		}
	}
	return out
}

// notes explains, from the measurements, what a reader needs to weigh a
// result: the machine's other load, where the attack's CPU went.
func (r *report) notes() []string {
	var out []string
	if at := r.Attack; at != nil {
		for _, a := range at.runs() {
			which := "uncached-id"
			if a.SameKey {
				which = "cached-id"
			}
			n := a.Attack.Requests + a.ValidS.Requests
			perReq := 0.0
			if n > 0 {
				perReq = float64(a.ServerCPU.Microseconds()) / float64(n)
			}
			out = append(out, fmt.Sprintf("Attack (%s): the valid clients' p99 was %s without attackers and %s with them; "+
				"the server used %.1f s of CPU in the %v attack (%.0f µs per request, %d argon2id runs) while answering %.0f requests/s; %s.",
				which, ms(a.Baseline.P99), ms(a.ValidS.P99), a.ServerCPU.Seconds(), a.Duration, perReq, a.Server.HashRuns,
				float64(n)/a.Duration.Seconds(), a.Load))
		}
		if b := at.WorstP99(); b.ValidS.P99 > 20*time.Millisecond && b.Baseline.P99 > 20*time.Millisecond {
			out = append(out, fmt.Sprintf("The valid-key p99 goal cannot be judged on this run: the valid load alone, with no attacker, already had a p99 of %s (machine load average %.1f on %d CPUs).",
				ms(b.Baseline.P99), b.Load.Before, r.Machine.CPUs))
		}
	}
	if t := r.Throughput; t != nil && t.Load.Before > float64(r.Machine.CPUs) {
		out = append(out, fmt.Sprintf("Throughput was measured with other work on the machine (%v); both modes ran at the same time, so it slowed both alike.", t.Load))
	}
	return out
}

// loadLine states how busy the machine was.
func (r *report) loadLine() string {
	l := fmt.Sprintf("Machine load average (1 min): %.1f when the report started, %.1f when it ended, on %d CPUs", r.LoadStart, r.LoadEnd, r.Machine.CPUs)
	if math.Max(r.LoadStart, r.LoadEnd) > float64(r.Machine.CPUs) {
		l += "; the machine was shared with other work during this run, so latencies and times are longer, and ratios noisier, than on an idle machine (each scenario's own load range is in its raw output)"
	}
	return l + "."
}

// shellLine quotes args for a POSIX shell where needed.
func shellLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " |^$*?'\"\\&;()<>") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
