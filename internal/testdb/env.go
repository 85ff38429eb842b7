package testdb

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"testing"
)

// Environment variables read by this package.
const (
	PostgresEnv = "KEYAUTH_POSTGRES_DSN"
	MySQLEnv    = "KEYAUTH_MYSQL_DSN"
	RequireEnv  = "KEYAUTH_REQUIRE_DB"
)

// skip skips t, or fails it when KEYAUTH_REQUIRE_DB=1: in CI a database
// test that does not run must not count as passing.
func skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("testdb: "+format+" (%s=1 forbids skipping)", append(args, RequireEnv)...)
	}
	t.Skipf("testdb: "+format, args...)
}

// randomName returns a database name that no other test run picks.
func randomName() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "keyauth_test_" + hex.EncodeToString(b[:])
}

// dockerReachable reports whether a Docker engine is likely to answer. A
// variable, so that a test can pretend there is none.
var dockerReachable = func() bool {
	if _, err := exec.LookPath("docker"); err != nil {
		return false
	}
	if os.Getenv("DOCKER_HOST") != "" {
		return true
	}
	_, err := os.Stat("/var/run/docker.sock")
	return err == nil
}

// serverDSN returns the DSN of the server for env: the variable's value, or
// a container started on Docker, or "" when neither is available.
func serverDSN(t testing.TB, env string, start func() (string, error)) string {
	t.Helper()
	if dsn := os.Getenv(env); dsn != "" {
		return dsn
	}
	if !dockerReachable() {
		skip(t, "set %s to run this test against a real server (no Docker engine found either)", env)
		return ""
	}
	dsn, err := start()
	if err != nil {
		skip(t, "%s is unset and starting a server on Docker failed: %v", env, err)
		return ""
	}
	return dsn
}
