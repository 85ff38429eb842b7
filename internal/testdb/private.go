package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// PrivatePostgres is a PostgreSQL server of one test's own, which the test
// may stop and start (to simulate an outage) without disturbing the
// shared server other tests use. Create it with [StartPrivatePostgres].
type PrivatePostgres struct {
	// DSN names database "keyauth" on the server, in the URL form.
	DSN string

	t       testing.TB
	bin     string // the PostgreSQL bin directory
	dir     string // data directory and socket directory
	port    int
	runUser []string // the command prefix that runs a program as postgres
}

// StartPrivatePostgres initialises and starts a PostgreSQL server in a
// temporary directory on a free port, creates database "keyauth" on it,
// and stops and removes it when t ends. It needs the PostgreSQL server
// binaries (initdb, pg_ctl: $KEYAUTH_PG_BIN or /usr/lib/postgresql/*/bin)
// and, when run as root, a "postgres" system user; without them the test
// is skipped (or fails under KEYAUTH_REQUIRE_DB=1).
func StartPrivatePostgres(t testing.TB) *PrivatePostgres {
	t.Helper()
	bin := os.Getenv("KEYAUTH_PG_BIN")
	if bin == "" {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
		if len(matches) > 0 {
			bin = filepath.Dir(matches[len(matches)-1])
		}
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); bin == "" || err != nil { // #nosec G703 -- test helper; the path comes from the test's own environment
		skip(t, "no PostgreSQL server binaries to start a private server (set KEYAUTH_PG_BIN)")
		return nil
	}
	p := &PrivatePostgres{t: t, bin: bin}
	// PostgreSQL refuses to run as root: run it as the postgres user and
	// give that user the directory.
	dir, err := os.MkdirTemp("", "keyauth-pg-")
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	p.dir = dir
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skip(t, "running as root and there is no postgres user to run a private PostgreSQL server")
			return nil
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatalf("testdb: %v", err)
		}
		p.runUser = []string{"runuser", "-u", "postgres", "--"}
	}
	p.port = freePort(t)
	p.run("initdb", "-D", p.data(), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	p.Start()
	t.Cleanup(func() { p.stop("immediate", false) })

	p.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/keyauth?sslmode=disable", p.port)
	admin, err := sql.Open("pgx", fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port))
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE keyauth"); err != nil {
		t.Fatalf("testdb: creating the private server's database: %v", err)
	}
	return p
}

func (p *PrivatePostgres) data() string { return filepath.Join(p.dir, "data") }

// Start starts the server (again) and waits until it accepts connections.
func (p *PrivatePostgres) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", p.port, p.dir)
	p.run("pg_ctl", "start", "-w", "-t", "60", "-D", p.data(), "-l", filepath.Join(p.dir, "log"), "-o", opts)
}

// Stop stops the server the way a crash or a pulled cable would look to
// its clients: immediately, without waiting for them to disconnect.
func (p *PrivatePostgres) Stop() {
	p.t.Helper()
	p.stop("immediate", true)
}

func (p *PrivatePostgres) stop(mode string, must bool) {
	args := append(append([]string{}, p.runUser...), filepath.Join(p.bin, "pg_ctl"), "stop", "-w", "-m", mode, "-D", p.data())
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput() // #nosec G204 -- test helper; arguments are fixed paths
	if err != nil && must {
		p.t.Fatalf("testdb: pg_ctl stop: %v\n%s", err, out)
	}
}

func (p *PrivatePostgres) run(prog string, args ...string) {
	p.t.Helper()
	full := append(append(append([]string{}, p.runUser...), filepath.Join(p.bin, prog)), args...)
	cmd := exec.Command(full[0], full[1:]...) // #nosec G204 -- test helper; arguments are fixed paths
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		p.t.Fatalf("testdb: %s: %v\n%s\n%s", prog, err, out, log)
	}
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
