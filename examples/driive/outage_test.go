package main

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/driive/keyauth/internal/testdb"
)

// TestServerDatabaseOutage runs the binary on a PostgreSQL server of the
// test's own and stops that server under requests: a key the server has
// not verified yet gets 503 auth_unavailable with Retry-After at once; a
// verified key is never refused as invalid, and is refused with 503
// auth_unavailable once MaxStaleness (10 s, the default) has passed; when
// the database is back, both keys work without a restart, and the use of
// the verified key during the outage is written.
func TestServerDatabaseOutage(t *testing.T) {
	bin := builtBinary(t)
	pg := testdb.StartPrivatePostgres(t)
	db := pg.DSN
	srv := startServer(t, bin, db, nil, "-admin-password", "pw")
	warm := srv.demoKey
	cold := createKeyCLI(t, bin, db)
	quiet := createKeyCLI(t, bin, db) // used during the outage only
	url := srv.url + "/v1/organizations/demo/contacts"
	for _, k := range []string{warm, quiet} {
		if got := getWithKey(t, k, url); got.status != 200 {
			t.Fatalf("before the outage: %d %s", got.status, got.body)
		}
	}
	// Let a flush write the uses before the outage, so that a later
	// last_used_at can only come from the use during it.
	time.Sleep(6 * time.Second)
	before := quietLastUsed(t, bin, db, quiet)

	stopped := time.Now()
	pg.Stop()
	r := getWithKey(t, cold, url)
	problemOf(t, r, 503, "auth_unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	// A verified key passes authentication while the cache is fresh (the
	// handler itself then needs the database: 503 unavailable, with
	// Retry-After), and is refused with 503 auth_unavailable after
	// MaxStaleness; never with 401, never a 500.
	if r := getWithKey(t, quiet, url); r.status != 503 || !strings.Contains(string(r.body), `"code":"unavailable"`) ||
		r.header.Get("Retry-After") == "" {
		t.Fatalf("a verified key right after the stop: %d %s (want 503 unavailable from the handler, with Retry-After)", r.status, r.body)
	}
	refused := false
	for time.Since(stopped) < 14*time.Second {
		r := getWithKey(t, warm, url)
		code := ""
		if r.status != 200 {
			var p struct{ Code string }
			json.Unmarshal(r.body, &p)
			code = p.Code
		}
		switch {
		case r.status == 503 && code == "auth_unavailable":
			if since := time.Since(stopped); since < 8*time.Second {
				t.Fatalf("the verified key was refused %v after the stop, within MaxStaleness", since)
			}
			if r.header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			refused = true
		case r.status == 401 || r.status == 403 || r.status == 404 || r.status == 500:
			t.Fatalf("the verified key got %d %s during the outage", r.status, code)
		}
		time.Sleep(250 * time.Millisecond)
	}
	if !refused {
		t.Fatal("the verified key was still honoured 14s into the outage (MaxStaleness is 10s)")
	}

	pg.Start()
	deadline := time.Now().Add(20 * time.Second)
	for getWithKey(t, warm, url).status != 200 || getWithKey(t, cold, url).status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the keys were still refused 20s after the database came back")
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Stop the server gracefully: it writes the pending last-used times.
	srv.signal(t, syscall.SIGINT)
	if code := srv.wait(t); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, srv.stderr.String())
	}
	if after := quietLastUsed(t, bin, db, quiet); !after.After(before) || after.Before(stopped.Truncate(time.Second)) {
		t.Fatalf("the use during the outage was not written: last used %v before, %v after (outage from %v)", before, after, stopped)
	}
}

// quietLastUsed returns the last-used time of key as `keys list` shows it.
func quietLastUsed(t *testing.T, bin, db, key string) time.Time {
	t.Helper()
	for _, k := range cliKeys(t, bin, db) {
		if k["prefix"] == key[:15] {
			if k["last_used_at"] == nil {
				t.Fatalf("key %s was never used: %v", key[:15], k)
			}
			return mustTime(t, k["last_used_at"])
		}
	}
	t.Fatalf("key %s is not listed", key[:15])
	return time.Time{}
}

// createKeyCLI creates a read key of organization demo with the CLI.
func createKeyCLI(t *testing.T, bin, db string) string {
	t.Helper()
	return strings.TrimSpace(runBinary(t, bin, "keys", "create", "-org", "demo", "-name", "cold", "-permission", "read", "-db", db))
}
