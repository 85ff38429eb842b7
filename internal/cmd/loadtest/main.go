package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: go run ./internal/cmd/loadtest [flags] COMMAND

commands:
  throughput   authenticated GET vs the same handler without auth
  cold-burst   fresh server, 100 concurrent first requests with one key
  attack       64 clients with wrong secrets vs 8 with a valid key, 10 s,
               and the lock-out case (victim key never used on a fresh server)
  tenants      one organization's keys flooded, another's 50 first requests
  restart      1,000 distinct keys on a fresh server, all within a second
  stale        the store stopped under cached load (in process)
  churn        1,000 vs 10,000 keys on 2 instances over PostgreSQL
  report       micro-benchmarks and every scenario; writes BENCHMARKS.md and
               the SVG charts

flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	var opt options
	opt.register(fs)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("expected one command")
	}
	name := fs.Arg(0)
	if name == "flood" {
		// The attackers' child process of attack, lock-out and tenants
		// (flood.go); not a scenario of its own.
		return runFlood(ctx, os.Stdin, out)
	}
	f, ok := commands[name]
	if !ok && name != "report" {
		fs.Usage()
		return fmt.Errorf("unknown command %q", name)
	}
	env, err := newEnvironment(ctx, opt)
	if err != nil {
		return err
	}
	defer env.close()
	if name == "report" {
		return runReport(ctx, env, out)
	}
	res, err := f(ctx, env)
	if err != nil {
		return err
	}
	res.print(out)
	return nil
}

// printer is a scenario's result: it prints itself, goals included.
type printer interface{ print(io.Writer) }

type command func(context.Context, *environment) (printer, error)

// commands are the scenarios by name (report runs them all).
var commands = map[string]command{
	"throughput": as(runThroughput),
	"cold-burst": as(runColdBurst),
	"attack":     as(runAttack),
	"tenants":    as(runTenants),
	"restart":    as(runRestart),
	"stale":      as(runStale),
	"churn":      as(runChurn),
}

func as[T printer](f func(context.Context, *environment) (T, error)) command {
	return func(ctx context.Context, env *environment) (printer, error) {
		r, err := f(ctx, env)
		return r, err
	}
}
