package main

import (
	"context"
	"fmt"
	"io"
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
	// MemoryRead is ns for one dependent read that misses every CPU
	// cache (memoryReadNanos over 160 MiB); IndexRead, for one from a
	// 16 MiB table, the size of a million-key cache's index.
	MemoryRead, IndexRead float64

	Throughput *throughputResult
	Cold       *coldBurstResult
	Attack     *attackReport
	Tenants    *tenantsResult
	Restart    *restartResult
	Stale      *staleResult
	Churn      *churnResult
	Errs       map[string]string // scenario -> error
	Skipped    []string          // scenarios left out (-skip)
	// The machine's load average when the report started and ended.
	LoadStart, LoadEnd float64
	Charts             []chartFile
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
	skip := map[string]bool{}
	for _, name := range strings.Split(env.opt.skip, ",") {
		if name = strings.TrimSpace(name); name != "" {
			if _, ok := commands[name]; !ok {
				return fmt.Errorf("-skip: %q is not a scenario", name)
			}
			skip[name] = true
		}
	}
	if !env.opt.skipMicro {
		fmt.Fprintln(out, "micro-benchmarks:", strings.Join(microCommand, " "))
		var err error
		r.MicroOut, err = runMicro(ctx, env)
		if err != nil {
			r.MicroErr = err.Error()
		}
		r.Micro = parseBench(r.MicroOut)
		r.SHA256 = sha256Nanos()
		r.MemoryRead = memoryReadNanos(160)
		r.IndexRead = memoryReadNanos(16)
		fmt.Fprint(out, r.MicroOut)
	}
	step := func(name string, f func() (interface{ print(io.Writer) }, error)) {
		if skip[name] {
			r.Skipped = append(r.Skipped, name)
			return
		}
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
	if err := os.WriteFile(path, []byte(renderReport(r)+handWritten(path)), 0o644); err != nil { // #nosec G306 -- a report to commit and read, no secret in it
		return err
	}
	fmt.Fprintln(out, "wrote", path)
	return nil
}

// handMarker opens a section of BENCHMARKS.md written by hand (an HTML
// comment naming it so); the report keeps every such section, from the
// first marker to the end of the file, below what it generates.
const handMarker = "written by hand, not by the loadtest report"

// handWritten is the hand-written tail of the file at path, "" if it has
// none or cannot be read.
func handWritten(path string) string {
	b, err := os.ReadFile(path) // #nosec G304 -- the report's own output file
	if err != nil {
		return ""
	}
	return handTail(string(b))
}

// handTail is the part of s from the start of the first line holding
// handMarker inside an HTML comment, after one blank line.
func handTail(s string) string {
	i := strings.Index(s, handMarker)
	if i < 0 {
		return ""
	}
	start := strings.LastIndex(s[:i], "\n") + 1
	if !strings.HasPrefix(strings.TrimSpace(s[start:i]), "<!--") {
		return ""
	}
	return "\n" + strings.TrimLeft(s[start:], "\n")
}
