package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// microCommand runs the micro-benchmarks of apikey and middleware.
// Each benchmark runs 5 times and the median counts: on a shared machine
// single runs of the same code differed by 2-3×.
var microCommand = []string{"go", "test", "-run", "^$", "-bench", "BenchmarkAuthenticate|BenchmarkMiddleware|BenchmarkCache",
	"-benchmem", "-count", "5", "./apikey", "./middleware"}

// benchResult is one line of `go test -bench` output.
type benchResult struct {
	Name     string // without the -GOMAXPROCS suffix
	Runs     int    // result lines; NsOp is their median, the rest their maximum
	NsOp     float64
	BOp      float64
	AllocsOp float64
	HasMem   bool
	// Metrics are the other units a benchmark reported (b.ReportMetric,
	// "B/key" say): their largest value over the runs.
	Metrics map[string]float64
}

// parseBench reads `go test -bench -benchmem` output into results by name
// ("BenchmarkAuthenticate/cached"). A benchmark run several times (-count)
// gets the median ns/op and the largest B/op and allocs/op.
func parseBench(out string) map[string]benchResult {
	all := map[string][]benchResult{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue // not a result line
		}
		r := benchResult{Name: stripProcs(f[0])}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsOp = v
			case "B/op":
				r.BOp, r.HasMem = v, true
			case "allocs/op":
				r.AllocsOp = v
			default:
				if r.Metrics == nil {
					r.Metrics = map[string]float64{}
				}
				r.Metrics[f[i+1]] = v
			}
		}
		if r.NsOp > 0 {
			all[r.Name] = append(all[r.Name], r)
		}
	}
	res := map[string]benchResult{}
	for name, runs := range all {
		ns := make([]float64, len(runs))
		m := benchResult{Name: name, Runs: len(runs)}
		for i, r := range runs {
			ns[i] = r.NsOp
			m.BOp, m.AllocsOp = max(m.BOp, r.BOp), max(m.AllocsOp, r.AllocsOp)
			m.HasMem = m.HasMem || r.HasMem
			for unit, v := range r.Metrics {
				if m.Metrics == nil {
					m.Metrics = map[string]float64{}
				}
				if old, ok := m.Metrics[unit]; !ok || v > old {
					m.Metrics[unit] = v
				}
			}
		}
		sort.Float64s(ns)
		if n := len(ns); n%2 == 1 {
			m.NsOp = ns[n/2]
		} else {
			m.NsOp = (ns[n/2-1] + ns[n/2]) / 2
		}
		res[name] = m
	}
	return res
}

// stripProcs drops the "-8" GOMAXPROCS suffix of a benchmark name.
func stripProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// runMicro runs microCommand in the repository; the output is returned
// even when some package failed (the others' lines are still good).
func runMicro(ctx context.Context, env *environment) (string, error) {
	cmd := exec.CommandContext(ctx, microCommand[0], microCommand[1:]...)
	cmd.Dir = env.root
	// On interrupt the go command is killed; its test binaries would keep
	// the output open until they end.
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sha256Nanos measures one SHA-256 of a key-sized text (the 58 bytes of a
// dk_ key), the unit of the middleware goal.
func sha256Nanos() float64 {
	key := []byte("dk_" + strings.Repeat("a", 12) + "_" + strings.Repeat("b", 38))
	r := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			sha256.Sum256(key)
		}
	})
	return float64(r.T.Nanoseconds()) / float64(r.N)
}

// memoryReadNanos measures one dependent read at a random place in a
// buffer of mib MiB (a pointer chase along one random cycle, Sattolo's
// shuffle): at 160 MiB, a read that misses every CPU cache, TLB misses
// included; at 16 MiB, a read from a table the size of a million-key
// cache's index (apikey/cacheindex.go), which is what an insert into such
// a cache cannot start before it is called.
func memoryReadNanos(mib int) float64 {
	n := mib << 18 // uint32s
	next := make([]uint32, n)
	for i := range next {
		next[i] = uint32(i) // #nosec G115 -- i < n < 2^32
	}
	for i := n - 1; i > 0; i-- {
		j := rand.IntN(i) // #nosec G404 -- a benchmark shuffle, no secret. Sattolo: j < i, so the permutation is one cycle
		next[i], next[j] = next[j], next[i]
	}
	const steps = 2_000_000
	p := uint32(0)
	start := time.Now()
	for range steps {
		p = next[p]
	}
	d := time.Since(start)
	if int(p) == n { // never: keeps the chase from being optimised away
		return 0
	}
	return float64(d.Nanoseconds()) / steps
}
