package main

import (
	"flag"
	"os"
	"time"
)

// options are the scenarios' knobs; the defaults are what BENCHMARKS.md
// reports.
type options struct {
	// throughput
	tpWorkers int
	tpRound   time.Duration
	tpRounds  int
	// cold-burst
	burst int
	// attack
	attackers  int
	validUsers int
	validRate  int
	attackFor  time.Duration
	victimRate int
	// tenants
	tenantKeys  int
	tenantFirst int
	// restart
	restartKeys     int
	restartAttempts int
	restartTimeout  time.Duration
	// stale
	staleKeys    int
	staleWorkers int
	staleMax     time.Duration
	staleDown    time.Duration
	// churn
	pgDSN       string
	churnKeys   string
	churnDrive  time.Duration
	churnWorker int
	// report
	out       string
	charts    string
	skipMicro bool
	skip      string
}

func (o *options) register(fs *flag.FlagSet) {
	fs.IntVar(&o.tpWorkers, "throughput-workers", 16, "throughput: concurrent keep-alive clients")
	fs.DurationVar(&o.tpRound, "throughput-round", 5*time.Second, "throughput: length of one round of each mode")
	fs.IntVar(&o.tpRounds, "throughput-rounds", 3, "throughput: rounds, alternating auth and no auth")
	fs.IntVar(&o.burst, "burst", 100, "cold-burst: concurrent first requests")
	fs.IntVar(&o.attackers, "attackers", 64, "attack: clients sending wrong secrets")
	fs.IntVar(&o.validUsers, "valid-clients", 8, "attack: clients using the valid key")
	fs.IntVar(&o.validRate, "valid-rate", 200, "attack: requests per second of the valid clients together")
	fs.DurationVar(&o.attackFor, "attack-duration", 10*time.Second, "attack: duration")
	fs.IntVar(&o.victimRate, "victim-rate", 20, "attack (lock-out case): requests per second of the victim")
	fs.IntVar(&o.tenantKeys, "tenant-keys", 30, "tenants: keys of the flooded organization")
	fs.IntVar(&o.tenantFirst, "tenant-first", 50, "tenants: first requests of the other organization, distinct keys")
	fs.IntVar(&o.restartKeys, "restart-keys", 1000, "restart: distinct keys arriving within a second")
	fs.IntVar(&o.restartAttempts, "restart-attempts", 200, "restart: attempts per key at most (-restart-timeout bounds them too)")
	fs.DurationVar(&o.restartTimeout, "restart-timeout", 5*time.Minute, "restart: time to serve every key at most")
	fs.IntVar(&o.staleKeys, "stale-keys", 100, "stale: cached keys")
	fs.IntVar(&o.staleWorkers, "stale-workers", 16, "stale: concurrent clients")
	fs.DurationVar(&o.staleMax, "stale-max-staleness", 2*time.Second, "stale: the Service's MaxStaleness")
	fs.DurationVar(&o.staleDown, "stale-down", 10*time.Second, "stale: how long the store is stopped")
	dsn := os.Getenv("KEYAUTH_POSTGRES_DSN")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	fs.StringVar(&o.pgDSN, "postgres", dsn, "churn: PostgreSQL server (a database is created on it and dropped)")
	fs.StringVar(&o.churnKeys, "churn-keys", "1000,10000", "churn: key counts to compare")
	fs.DurationVar(&o.churnDrive, "churn-drive", 20*time.Second, "churn: measured load after warm-up")
	fs.IntVar(&o.churnWorker, "churn-workers", 16, "churn: concurrent clients over both instances")
	fs.StringVar(&o.out, "o", "BENCHMARKS.md", "report: file to write")
	fs.StringVar(&o.charts, "charts", "docs/benchmarks", "report: directory for the SVG charts, relative to the repository root")
	fs.StringVar(&o.skip, "skip", "", "report: scenarios to leave out, comma-separated (they show as not measured)")
	fs.BoolVar(&o.skipMicro, "skip-micro", false, "report: leave out the go test micro-benchmarks")
}
