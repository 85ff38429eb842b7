package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// staleFixture: stopped from 3 s to 13 s, MaxStaleness 2 s, so the goal
// is judged on [6 s, 13 s): 100 reads in its first second, 40 in the
// second, none after.
func staleFixture() *staleResult {
	r := &staleResult{Keys: 100, MaxStaleness: 2 * time.Second, SyncInterval: 500 * time.Millisecond,
		Up: 3 * time.Second, Down: 10 * time.Second, After: 4 * time.Second, Start: time.Unix(1000, 0)}
	for i := range 100 {
		r.Gets = append(r.Gets, 6*time.Second+time.Duration(i)*5*time.Millisecond)
	}
	for i := range 40 {
		r.Gets = append(r.Gets, 7*time.Second+time.Duration(i)*time.Millisecond)
	}
	// Reads before the stale window and after the store is back do not
	// count.
	r.Gets = append(r.Gets, time.Second, 5*time.Second, 13*time.Second, 14*time.Second)
	r.GoodPolls = []time.Duration{2500 * time.Millisecond, 13200 * time.Millisecond, 13700 * time.Millisecond}
	r.Answers = newSample()
	r.Answers.Elapsed = 17 * time.Second
	at := func(d time.Duration) time.Time { return r.Start.Add(d) }
	r.Answers.record(at(time.Second), time.Millisecond, 200, "", false)
	r.Answers.record(at(8*time.Second), time.Millisecond, 503, "", true)
	r.Answers.record(at(13500*time.Millisecond), time.Millisecond, 200, "", false)
	return r
}

func TestStaleReads(t *testing.T) {
	r := staleFixture()
	got := r.StaleReads()
	want := []int{100, 40, 0, 0, 0, 0, 0}
	if len(got) != len(want) {
		t.Fatalf("StaleReads() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("StaleReads() = %v, want %v", got, want)
		}
	}
	if r.PeakReads() != 100 || !r.ReadsOK() {
		t.Fatalf("peak %d, ok %v; want 100, true (equal to the cached keys is within the goal)", r.PeakReads(), r.ReadsOK())
	}
	r.Keys = 99
	if r.ReadsOK() {
		t.Fatal("100 reads in a second with 99 cached keys passed")
	}
	if (&staleResult{Up: time.Second, MaxStaleness: time.Second, Down: time.Second}).ReadsOK() {
		t.Fatal("a run with no whole second past MaxStaleness passed")
	}
}

func TestStaleRecovery(t *testing.T) {
	r := staleFixture()
	good, ok200, recovered := r.Recovery()
	if good != 13200*time.Millisecond || ok200 != 13500*time.Millisecond || !recovered {
		t.Fatalf("Recovery() = %v, %v, %v; want 13.2s, 13.5s, true", good, ok200, recovered)
	}
	r.SyncInterval = 200 * time.Millisecond
	if _, _, recovered := r.Recovery(); recovered {
		t.Fatal("a 200 300 ms after the first good poll passed with a 200 ms SyncInterval")
	}
	r.GoodPolls = r.GoodPolls[:1]
	if _, _, recovered := r.Recovery(); recovered {
		t.Fatal("passed without a good poll after the store came back")
	}
	if c := r.phase(r.StopAt(), r.BackAt()); c[503] != 1 || c[200] != 0 {
		t.Fatalf("answers while stopped: %v", c)
	}
}

func TestRestartRatio(t *testing.T) {
	r := &restartResult{N: 1000, Slots: 2, Argon: 40 * time.Millisecond, Total: 24 * time.Second, Served: 1000,
		Server: serviceStats{HashRuns: 1000}, Attempts: []int{1, 3, 2}}
	if r.Limit() != 20*time.Second {
		t.Fatalf("Limit() = %v, want 20s", r.Limit())
	}
	if r.Ratio() != 1.2 || !r.RatioOK() || !r.HashOK() || !r.ServedOK() || r.MaxAttempts() != 3 {
		t.Fatalf("ratio %v ok %v hash %v served %v attempts %d", r.Ratio(), r.RatioOK(), r.HashOK(), r.ServedOK(), r.MaxAttempts())
	}
	r.Total += time.Millisecond
	if r.RatioOK() {
		t.Fatal("a ratio over 1.2 passed")
	}
	r.Total, r.Served = 10*time.Second, 999
	if r.RatioOK() || r.ServedOK() {
		t.Fatal("a fast run that left a key unserved passed")
	}
	r.Server.HashRuns = 1001
	if r.HashOK() {
		t.Fatal("1,001 argon2id runs for 1,000 keys passed")
	}
	if (&restartResult{N: 1}).Ratio() != 0 {
		t.Fatal("a ratio without slots is not 0")
	}
}

func TestRetryAfter(t *testing.T) {
	for in, want := range map[string]struct {
		d  time.Duration
		ok bool
	}{
		"2": {2 * time.Second, true}, "0": {0, true}, "": {0, false}, "-1": {0, false},
		"Wed, 21 Oct 2015 07:28:00 GMT": {0, false}, "1.5": {0, false},
	} {
		d, ok := retryAfter(in)
		if d != want.d || ok != want.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", in, d, ok, want.d, want.ok)
		}
	}
}

func TestLockoutGoals(t *testing.T) {
	r := &lockoutResult{Victim: newSample(), Server: serviceStats{HashRuns: 1}}
	if r.VictimOK() {
		t.Fatal("a victim that sent nothing passed")
	}
	r.Victim.record(time.Now(), 3*time.Millisecond, http.StatusOK, "", false)
	r.Victim.percentiles()
	if !r.VictimOK() || !r.P99OK() || !r.HashOK() {
		t.Fatalf("victim %v p99 %v hash %v", r.VictimOK(), r.P99OK(), r.HashOK())
	}
	r.Victim.record(time.Now(), 30*time.Millisecond, http.StatusUnauthorized, "", false)
	r.Victim.percentiles()
	if r.VictimOK() || r.P99OK() {
		t.Fatal("a 401 of 30 ms to the victim passed")
	}
}

func TestTenantsGoals(t *testing.T) {
	r := &tenantsResult{First: 2, IdleCold: 50 * time.Millisecond, Victims: newSample()}
	r.Victims.record(time.Now(), 100*time.Millisecond, 200, "", false)
	r.Victims.record(time.Now(), 150*time.Millisecond, 200, "", false)
	r.Victims.percentiles()
	if !r.AllOK() || !r.P99OK() || r.Ratio() != 3 {
		t.Fatalf("all %v p99 %v ratio %v", r.AllOK(), r.P99OK(), r.Ratio())
	}
	r.IdleCold = 49 * time.Millisecond
	if r.P99OK() {
		t.Fatal("p99 over 3× the idle cold verify passed")
	}
	r.First = 3
	if r.AllOK() {
		t.Fatal("2 answers for 3 first requests passed")
	}
	if (&tenantsResult{Victims: r.Victims}).P99OK() {
		t.Fatal("passed without an idle cold verify to compare with")
	}
}

func TestBucketize(t *testing.T) {
	pts := []point{
		{Done: 100 * time.Millisecond, Latency: time.Millisecond, Code: 200},
		{Done: 900 * time.Millisecond, Latency: 9 * time.Millisecond, Code: 503},
		{Done: 1500 * time.Millisecond, Latency: 5 * time.Millisecond, Code: 200},
		{Done: 3 * time.Second, Code: 200},   // outside the span
		{Done: -time.Millisecond, Code: 200}, // before it
	}
	bs := bucketize(pts, time.Second, 2500*time.Millisecond)
	if len(bs) != 3 {
		t.Fatalf("%d buckets, want 3", len(bs))
	}
	if bs[0].N != 2 || bs[0].Codes[200] != 1 || bs[0].Codes[503] != 1 || bs[0].P99 != 9*time.Millisecond {
		t.Fatalf("bucket 0: %+v", bs[0])
	}
	if bs[1].N != 1 || bs[1].Start != time.Second || bs[2].N != 0 || bs[2].P99 != 0 {
		t.Fatalf("buckets 1, 2: %+v %+v", bs[1], bs[2])
	}
	if got := bs[0].rate(503, 500*time.Millisecond); got != 2 {
		t.Fatalf("rate of 503 over half a second = %v, want 2", got)
	}
	if got := bs[0].rate(notOK, time.Second); got != 1 {
		t.Fatalf("rate of answers but 200 = %v, want 1", got)
	}
	if got := bs[0].rate(0, time.Second); got != 2 {
		t.Fatalf("rate of all = %v, want 2", got)
	}
	if bucketize(pts, 0, time.Second) != nil || counts(nil, time.Second, 0) != nil {
		t.Fatal("a zero width or span gave buckets")
	}
	if c := counts([]time.Duration{0, 999 * time.Millisecond, time.Second, 5 * time.Second}, time.Second, 2*time.Second); len(c) != 2 || c[0] != 2 || c[1] != 1 {
		t.Fatalf("counts = %v, want [2 1]", c)
	}
}

func TestSamplePoints(t *testing.T) {
	s := newSample()
	origin := time.Unix(100, 0)
	s.record(origin.Add(2*time.Second), 3*time.Millisecond, 503, "", false)
	s.record(origin.Add(time.Second), time.Millisecond, 0, "refused", false)
	p := s.points(origin)
	if len(p) != 2 || p[0] != (point{Done: 2 * time.Second, Latency: 3 * time.Millisecond, Code: 503}) || p[1].Code != 0 {
		t.Fatalf("points = %+v", p)
	}
	if s.No503RA != 1 || s.Errors["refused"] != 1 || s.Codes[0] != 1 {
		t.Fatalf("sample %+v", s)
	}
}

// TestScenarioNames: the report runs and lists exactly the commands.
func TestScenarioNames(t *testing.T) {
	if len(scenarios) != len(commands) {
		t.Fatalf("report lists %d scenarios, there are %d commands", len(scenarios), len(commands))
	}
	for _, name := range scenarios {
		if _, ok := commands[name]; !ok {
			t.Errorf("report lists %q, which is no command", name)
		}
	}
}

func TestRenderSkipped(t *testing.T) {
	r := fixedReport()
	r.Churn, r.Skipped = nil, []string{"churn"}
	out := renderReport(r)
	if !strings.Contains(out, "Left out of this run (`-skip`): churn.") || !strings.Contains(out, "### churn\n\nNot measured.") {
		t.Fatalf("skipped churn not shown:\n%s", out)
	}
}
