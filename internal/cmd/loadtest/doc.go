// Command loadtest runs keyauth's load and attack scenarios against the
// example server (examples/driive), built once and run as a separate
// process on 127.0.0.1, and writes BENCHMARKS.md. Requests are sent by
// vegeta (github.com/tsenart/vegeta/v12) over keep-alive connections.
//
//	go run ./internal/cmd/loadtest throughput  # auth vs no auth: throughput ratio, p50/p99
//	go run ./internal/cmd/loadtest cold-burst  # fresh server, 100 concurrent first requests
//	go run ./internal/cmd/loadtest attack      # 64 wrong-secret clients vs valid ones, 10 s; lock-out case
//	go run ./internal/cmd/loadtest tenants     # one organization flooded, another's first requests
//	go run ./internal/cmd/loadtest restart     # 1,000 distinct keys on a fresh server within a second
//	go run ./internal/cmd/loadtest stale       # the store stopped under cached load (in process)
//	go run ./internal/cmd/loadtest churn       # 1,000 and 10,000 keys, 2 instances, PostgreSQL
//	go run ./internal/cmd/loadtest report      # micro-benchmarks + all of the above -> BENCHMARKS.md, charts
//
// Every scenario prints its goals with PASS or FAIL. Argon2id runs and the
// other Service counters of the example server come from the line it logs
// at shutdown ("driive: keyauth stats"); stale counts store calls at a
// store of its own.
//
// Run it from the repository root. churn needs PostgreSQL: it creates a
// database on KEYAUTH_POSTGRES_DSN's server (default
// postgres://postgres@127.0.0.1:5432/postgres) and drops it afterwards.
// Every scenario targets 127.0.0.1 only and is bounded in time.
package main
