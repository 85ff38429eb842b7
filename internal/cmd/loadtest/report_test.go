package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const benchOut = `goos: linux
goarch: amd64
pkg: github.com/driive/keyauth/apikey
cpu: AMD EPYC
BenchmarkAuthenticate/cached-2         	 9000000	       120.5 ns/op	       0 B/op	       0 allocs/op
BenchmarkAuthenticate/cached-2         	 9000000	       500.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkAuthenticate/cached-2         	 9000000	       110.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkAuthenticate/sha256_lookup_baseline-2 	10000000	       100.0 ns/op	       0 B/op	       0 allocs/op
BenchmarkAuthenticate/argon2_per_request_baseline-2 	      40	  30000000 ns/op	20000000 B/op	      50 allocs/op
BenchmarkAuthenticate/cold-2           	      38	  31000000 ns/op	20100000 B/op	      90 allocs/op
PASS
ok  	github.com/driive/keyauth/apikey	9.1s
pkg: github.com/driive/keyauth/middleware
BenchmarkMiddleware/bare-2             	 2000000	       600 ns/op	     800 B/op	       8 allocs/op
BenchmarkMiddleware/bare-2             	 2000000	       400 ns/op	     700 B/op	       9 allocs/op
BenchmarkMiddleware/cached-2           	 1500000	      1000 ns/op	     900 B/op	       9 allocs/op
BenchmarkMiddleware/sha256_key_baseline-2 	 8000000	       100 ns/op	       0 B/op	       0 allocs/op
BenchmarkMiddleware/missing-2          	 1000000	      1500 ns/op	    1500 B/op	      20 allocs/op
BenchmarkMiddleware/no_mem_line-2      	 1000000	      1500 ns/op
pkg: github.com/driive/keyauth/apikey
BenchmarkCacheInsert/size=1000-2       	 5000000	       200.0 ns/op	      64 B/op	       1 allocs/op
BenchmarkCacheInsert/size=100000-2     	 5000000	       250.0 ns/op	      64 B/op	       1 allocs/op
BenchmarkCacheInsert/size=1000000-2    	 5000000	       300.0 ns/op	      70 B/op	       1 allocs/op
BenchmarkCacheMemory-2                 	       1	 900000000 ns/op	       180.0 B/key
BenchmarkCacheMemory-2                 	       1	 900000000 ns/op	       150.0 B/key
--- FAIL: BenchmarkBroken
Benchmark results follow
ok  	github.com/driive/keyauth/middleware	5.0s
`

func TestParseBench(t *testing.T) {
	got := parseBench(benchOut)
	for _, tc := range []struct {
		name   string
		want   benchResult
		absent bool
	}{
		{name: "BenchmarkAuthenticate/cached", want: benchResult{Name: "BenchmarkAuthenticate/cached", Runs: 3, NsOp: 120.5, HasMem: true}},
		{name: "BenchmarkMiddleware/bare", want: benchResult{Name: "BenchmarkMiddleware/bare", Runs: 2, NsOp: 500, BOp: 800, AllocsOp: 9, HasMem: true}},
		{name: "BenchmarkAuthenticate/argon2_per_request_baseline", want: benchResult{Name: "BenchmarkAuthenticate/argon2_per_request_baseline", Runs: 1, NsOp: 3e7, BOp: 2e7, AllocsOp: 50, HasMem: true}},
		{name: "BenchmarkMiddleware/no_mem_line", want: benchResult{Name: "BenchmarkMiddleware/no_mem_line", Runs: 1, NsOp: 1500}},
		{name: "BenchmarkBroken", absent: true},
		{name: "Benchmark", absent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := got[tc.name]
			if tc.absent {
				if ok {
					t.Fatalf("parsed %+v from a line that is no result", r)
				}
				return
			}
			if !ok {
				t.Fatalf("no result parsed for %s", tc.name)
			}
			if d := cmp.Diff(tc.want, r); d != "" {
				t.Fatalf("parsed result differs (-want +got):\n%s", d)
			}
		})
	}
}

func TestStripProcs(t *testing.T) {
	for in, want := range map[string]string{
		"BenchmarkX/cached-2":     "BenchmarkX/cached",
		"BenchmarkX/cached":       "BenchmarkX/cached",
		"BenchmarkX/bad-checksum": "BenchmarkX/bad-checksum",
		"BenchmarkX/a-b-16":       "BenchmarkX/a-b",
	} {
		if got := stripProcs(in); got != want {
			t.Errorf("stripProcs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseStats(t *testing.T) {
	line := `time=2026-11-26T10:00:00.000Z level=INFO msg="driive: keyauth stats" uptime=12.5s hash_runs=1 hash_timeouts=0 cache_hits=99 cache_misses=100 refreshes=0 throttled=3 invalid=4 expired=0 revoked=0 unavailable=0 corrupt=0 syncs=25 sync_failures=1 flushes=3 flush_failures=0 last_use_written=7 cached_keys=1`
	st, err := parseStats(line)
	if err != nil {
		t.Fatal(err)
	}
	want := serviceStats{Uptime: 12500 * time.Millisecond, HashRuns: 1, CacheHits: 99, CacheMisses: 100, Throttled: 3,
		Invalid: 4, Syncs: 25, SyncFailures: 1, Flushes: 3, LastUseWritten: 7, CachedKeys: 1}
	if st.Has["store_reads"] || len(st.Has) != 14 || !st.Has["hash_runs"] {
		t.Fatalf("Has = %v, want the 14 required counters and no optional one", st.Has)
	}
	st.Has = nil
	if d := cmp.Diff(want, st); d != "" {
		t.Fatalf("parsed stats differ (-want +got):\n%s", d)
	}
	st, err = parseStats(line + " store_reads=12 tag_rejects=2000 hash_slots=2 evictions=0 kept_ids=3")
	if err != nil {
		t.Fatal(err)
	}
	if st.StoreReads != 12 || st.TagRejects != 2000 || st.HashSlots != 2 || !st.Has["evictions"] || st.Has["kept_ids"] {
		t.Fatalf("optional counters: %+v", st)
	}
	if _, err := parseStats(strings.Replace(line, "syncs=25 ", "", 1)); err == nil {
		t.Error("a line without syncs parsed")
	}
	if _, err := parseStats(strings.Replace(line, "hash_runs=1", "hash_runs=x", 1)); err == nil {
		t.Error("a non-number parsed")
	}
}

func TestParseProcStatus(t *testing.T) {
	hwm, rss, err := parseProcStatus("Name:\tdriive\nVmPeak:\t 900 kB\nVmHWM:\t  131072 kB\nVmRSS:\t   65536 kB\n")
	if err != nil || hwm != 131072 || rss != 65536 {
		t.Fatalf("got %d, %d, %v", hwm, rss, err)
	}
	if _, _, err := parseProcStatus("Name:\tx\nVmRSS:\t1 kB\n"); err == nil {
		t.Error("status without VmHWM parsed")
	}
}

func TestQuantile(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for q, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := quantile(l, q); got != want {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
	if quantile(nil, 0.5) != 0 {
		t.Error("quantile of nothing is not 0")
	}
}

// fixedReport is a report with every measurement set.
func fixedReport() *report {
	sample := func(rps float64, p99 time.Duration, codes map[int]int) *sample {
		n := 0
		for _, v := range codes {
			n += v
		}
		return &sample{Requests: n, Codes: codes, successes: codes[200], Elapsed: time.Duration(float64(codes[200]) / rps * float64(time.Second)),
			P50: p99 / 4, P99: p99}
	}
	attack := func(peak int64, p99 time.Duration, codes map[int]int) *attackResult {
		return &attackResult{IdleRSS: 60 * 1024, PeakHWM: 60*1024 + peak, Attack: sample(1, 0, codes),
			ValidS: sample(200, p99, map[int]int{200: 2000}), Baseline: sample(200, 5*time.Millisecond, map[int]int{200: 2000}),
			Server: serviceStats{HashRuns: 12}}
	}
	return &report{
		LoadStart: 1.5, LoadEnd: 2.5,
		Machine:  machine{CPUs: 2, CPUModel: "AMD EPYC", GoVersion: "go version go1.26.8 linux/amd64", Date: "2026-11-26 10:00 UTC"},
		MicroOut: benchOut,
		Micro:    parseBench(benchOut),
		SHA256:   110,
		Throughput: &throughputResult{Workers: 16, Rounds: 3, Round: 5 * time.Second,
			Auth: sample(970, 3*time.Millisecond, map[int]int{200: 9700}), NoAuth: sample(1000, 3*time.Millisecond, map[int]int{200: 10000})},
		Cold: &coldBurstResult{N: 100, Codes: map[int]int{200: 100}, Server: serviceStats{HashRuns: 1}},
		Attack: &attackReport{
			Uncached: attack(70*1024, 15*time.Millisecond, map[int]int{401: 900, 503: 50}),
			Cached:   attack(2*1024, 25*time.Millisecond, map[int]int{401: 30000}),
			Lockout: &lockoutResult{Attack: sample(1, 0, map[int]int{401: 50000}), Victim: sample(20, 4*time.Millisecond, map[int]int{200: 180}),
				Server: serviceStats{HashRuns: 1}, Duration: 10 * time.Second, VictimDelay: time.Second},
		},
		Tenants: &tenantsResult{First: 50, IdleCold: 40 * time.Millisecond, Victims: sample(10, 100*time.Millisecond, map[int]int{200: 50}),
			Attack: sample(1, 0, map[int]int{401: 9000})},
		Restart: &restartResult{N: 1000, Slots: 2, Argon: 40 * time.Millisecond, Total: 22 * time.Second, Served: 1000,
			Answers: sample(1, 0, map[int]int{200: 1000, 503: 120}), Server: serviceStats{HashRuns: 1000}},
		Stale: staleFixture(),
		Churn: &churnResult{Runs: []*churnRun{
			{Keys: 1000, Warm: sample(100, time.Millisecond, map[int]int{404: 2000}), Drive: sample(100, time.Millisecond, map[int]int{404: 2000}), Window: 20 * time.Second, DBTx: 90, Instances: [2]serviceStats{{Uptime: 10 * time.Second, Syncs: 20}, {Uptime: 10 * time.Second, Syncs: 19, SyncFailures: 1}}},
			{Keys: 10000, Warm: sample(100, time.Millisecond, map[int]int{404: 20000}), Drive: sample(100, time.Millisecond, map[int]int{404: 2000}), Window: 20 * time.Second, DBTx: 120, Instances: [2]serviceStats{{Uptime: 100 * time.Second, Syncs: 199}, {Uptime: 100 * time.Second, Syncs: 200}}},
		}},
	}
}

func TestGoals(t *testing.T) {
	r := fixedReport()
	goals := r.goals()
	byMeasure := map[string]goal{}
	for _, g := range goals {
		byMeasure[g.Measure] = g
	}
	for _, tc := range []struct {
		measure, verdict, contains string
	}{
		{"`Authenticate/cached` vs `sha256_lookup_baseline`", met, "1.21× (120.5 vs 100.0 ns/op), 0 allocs/op"},
		{"`argon2_per_request_baseline` vs `cached`", met, "248963×"},
		{"middleware `cached` − `bare`", met, "500 ns = 5.0× one SHA-256 (100 ns, `sha256_key_baseline`)"},
		{"end-to-end throughput, auth vs no auth", met, "0.970 (970 vs 1000 req/s"},
		{"attack: peak RSS over idle", met, "70.0 MiB"},
		{"attack: valid-key p99", missed, "15.00 ms and 25.00 ms"},
		{"attack: attacker responses", met, "401×900, 503×50"},
		{"cold burst of 100", met, "1 argon2id run(s); 200×100"},
		{"`CacheInsert` at `size=1000000` vs `size=1000`", met, "1.50× (300 vs 200 ns/op; 70 vs 64 B/op); size=100000: 250 ns/op"},
		{"memory per cached key", met, "180 B (B/key, reported by `BenchmarkCacheMemory`)"},
		{"attack, lock-out: victim's requests", met, "200×180 of 180"},
		{"attack, lock-out: victim p99", met, "4.00 ms"},
		{"attack, lock-out: argon2id runs during the attack", met, "1 (0 throttled"},
		{"tenants: another organization's 50 first requests during a flood", met, "200×50; p99 100.00 ms = 2.50× the idle cold verify (40.00 ms)"},
		{"restart: argon2id runs for N distinct keys", met, "1000; 120 answers were 503 (retried); 1000 of 1000 keys served"},
		{"restart: time to serve all / (N × one argon2id / slots)", met, "1.100 (22000.00 ms to serve 1000 of 1000 keys vs 1000 × 40.00 ms / 2 slots = 20000.00 ms)"},
		{"stale: store reads per second, store stopped, past MaxStaleness", met, "peak 100/s (per second: [100 40 0 0 0 0 0])"},
		{"churn: DB queries/s per instance from revocation checks", met, "2.00/s at 1000 keys vs 2.00/s at 10000 keys (1.00×)"},
	} {
		t.Run(tc.measure, func(t *testing.T) {
			g, ok := byMeasure[tc.measure]
			if !ok {
				t.Fatal("no such row")
			}
			if g.Verdict != tc.verdict || !strings.Contains(g.Measured, tc.contains) {
				t.Fatalf("got %q, %q; want %q containing %q", g.Verdict, g.Measured, tc.verdict, tc.contains)
			}
		})
	}
}

func TestGoalsMissed(t *testing.T) {
	r := fixedReport()
	r.Micro["BenchmarkAuthenticate/cached"] = benchResult{Name: "BenchmarkAuthenticate/cached", NsOp: 160, AllocsOp: 1, HasMem: true}
	r.Cold.Server.HashRuns = 2
	r.Micro["BenchmarkCacheInsert/size=1000000"] = benchResult{NsOp: 401}
	r.Micro["BenchmarkCacheMemory"] = benchResult{Metrics: map[string]float64{perKeyUnit: 201}}
	r.Attack.Cached.Attack.Codes[500] = 1
	r.Attack.Uncached.Attack.No503RA = 1
	r.Throughput.Auth = r.Throughput.NoAuth
	r.Throughput.NoAuth = &sample{Codes: map[int]int{200: 10}, successes: 10, Elapsed: time.Millisecond}
	r.Attack.Lockout.Victim.Codes[401] = 1
	r.Attack.Lockout.Victim.P99 = 21 * time.Millisecond
	r.Attack.Lockout.Server.HashRuns = 11
	r.Tenants.Victims.P99 = 121 * time.Millisecond
	r.Restart.Server.HashRuns = 1001
	r.Restart.Total = 25 * time.Second
	r.Stale.Gets = append(r.Stale.Gets, 6*time.Second+500*time.Millisecond)
	seen := 0
	for _, g := range r.goals() {
		switch g.Measure {
		case "`Authenticate/cached` vs `sha256_lookup_baseline`", "cold burst of 100", "attack: attacker responses",
			"end-to-end throughput, auth vs no auth", "attack: valid-key p99",
			"attack, lock-out: victim's requests", "attack, lock-out: victim p99", "attack, lock-out: argon2id runs during the attack",
			"tenants: another organization's 50 first requests during a flood",
			"restart: argon2id runs for N distinct keys", "restart: time to serve all / (N × one argon2id / slots)",
			"stale: store reads per second, store stopped, past MaxStaleness",
			"`CacheInsert` at `size=1000000` vs `size=1000`", "memory per cached key":
			seen++
			if g.Verdict != missed {
				t.Errorf("%s: %s (%s), want missed", g.Measure, g.Verdict, g.Measured)
			}
		}
	}
	if seen != 14 {
		t.Errorf("checked %d rows, want 14: a goal row is missing", seen)
	}
}

func TestGoalsNotMeasured(t *testing.T) {
	for _, g := range (&report{}).goals() {
		if g.Verdict != notRun {
			t.Errorf("%s: %s with nothing measured", g.Measure, g.Verdict)
		}
	}
}

func TestRenderReport(t *testing.T) {
	out := renderReport(fixedReport())
	for _, want := range []string{
		"# keyauth benchmarks",
		"- CPUs (nproc): 2\n- CPU: AMD EPYC\n- Go: go version go1.26.8",
		"| measure | goal | measured | verdict |",
		"| cold burst of 100 | 1 argon2id run, all 200 | 1 argon2id run(s); 200×100 | met |",
		"go run ./internal/cmd/loadtest churn",
		"go run ./internal/cmd/loadtest restart",
		"Machine load average (1 min): 1.5 when the report started, 2.5 when it ended, on 2 CPUs; the machine was idle when the report started, and the load at its end is the report's own",
		"BenchmarkMiddleware/cached-2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if n := strings.Count(out, "\n| "); n != 2+18 {
		t.Errorf("table has %d lines, want header, separator and 18 goals", n)
	}
	busy := fixedReport()
	busy.LoadStart = 2.5
	if out := renderReport(busy); !strings.Contains(out, "2.5 when the report started, 2.5 when it ended, on 2 CPUs; the machine was shared with other work") {
		t.Error("a report started on a busy machine does not say so")
	}
}

func TestParseProcStat(t *testing.T) {
	d, err := parseProcStat("4242 (dri ive) S 1 4242 4242 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 8 0 100 0 0")
	if err != nil || d != 1750*time.Millisecond {
		t.Fatalf("got %v, %v; want 1.75s", d, err)
	}
	if _, err := parseProcStat("4242 (x) S 1"); err == nil {
		t.Error("short stat parsed")
	}
}

func TestNotes(t *testing.T) {
	r := fixedReport()
	judge := "cannot be judged"
	for _, n := range r.notes() {
		if strings.Contains(n, judge) {
			t.Fatalf("note %q although the baseline met the goal", n)
		}
	}
	r.Attack.Cached.Baseline.P99 = 30 * time.Millisecond
	found := false
	for _, n := range r.notes() {
		found = found || strings.Contains(n, judge) && strings.Contains(n, "30.00 ms")
	}
	if !found {
		t.Fatalf("no note that the baseline missed the goal: %q", r.notes())
	}
}

func TestShellLine(t *testing.T) {
	got := shellLine([]string{"go", "test", "-run", "^$", "-bench", "A|B", "it's"})
	want := `go test -run '^$' -bench 'A|B' 'it'\''s'`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestHandTail(t *testing.T) {
	gen := "# keyauth benchmarks\n\n```\nraw\n```\n"
	hand := "<!-- otelauth section: written by hand, not by the loadtest report; keep it when regenerating. -->\n## OpenTelemetry\n\ntext\n"
	if got := handTail(gen + "\n\n" + hand); got != "\n"+hand {
		t.Fatalf("handTail = %q, want the hand-written section", got)
	}
	if got := handTail(gen); got != "" {
		t.Fatalf("handTail of a generated file = %q", got)
	}
	// The marker quoted in prose, not in a comment, is no section.
	if got := handTail(gen + "a line that says written by hand, not by the loadtest report\n"); got != "" {
		t.Fatalf("handTail = %q for a marker outside a comment", got)
	}
	// Regenerating twice keeps one copy.
	once := gen + handTail(gen+hand)
	if twice := gen + handTail(once); twice != once || strings.Count(twice, "## OpenTelemetry") != 1 {
		t.Fatalf("regenerated twice:\n%s", twice)
	}
}

// TestMemoryReadNanos: the chase measures something: a positive time per
// read, more than a read that hits a CPU cache could take.
func TestMemoryReadNanos(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 160 MiB")
	}
	for _, mib := range []int{16, 160} {
		if ns := memoryReadNanos(mib); ns < 1 {
			t.Errorf("one read over %d MiB: %.2f ns, want at least 1 ns", mib, ns)
		}
	}
}
