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
// verified key is never refused as invalid, is honoured while MaxStaleness
// (10 s, the default) has not passed since the last good poll of the feed,
// and is refused with 503 auth_unavailable once it has; when the database
// is back, both keys work without a restart, and the use of the verified
// key during the outage is written.
//
// The server polls every 500 ms (the default SyncInterval), so its last
// good poll is at most a poll's length before the stop began and at the
// latest when the stop finished. Requests are judged against those
// instants, so however long stopping PostgreSQL takes, no answer is
// misjudged; waits for an event are bounded only to fail.
func TestServerDatabaseOutage(t *testing.T) {
	const (
		maxStaleness = 10 * time.Second // the server's default
		pollSlack    = 2 * time.Second  // a poll interval and a poll, generously
	)
	bin := builtBinary(t)
	pg := testdb.StartPrivatePostgres(t)
	db := pg.DSN
	srv := startServer(t, bin, db, nil, "-admin-password", "correct horse battery")
	warm := srv.demoKey
	cold := createKeyCLI(t, bin, db)
	quiet := createKeyCLI(t, bin, db) // used during the outage only
	url := srv.url + "/v1/organizations/demo/contacts"
	for _, k := range []string{warm, quiet} {
		if got := getWithKey(t, k, url); got.status != 200 {
			t.Fatalf("before the outage: %d %s", got.status, got.body)
		}
	}
	stopping := time.Now()
	pg.Stop()
	stopped := time.Now()
	// The last good poll was in [stopping-pollSlack, stopped]: a verified
	// key is honoured until at least stopping-pollSlack+maxStaleness and
	// refused from stopped+maxStaleness on (plus a poll's length).
	honouredUntil := stopping.Add(maxStaleness - pollSlack)
	refusedFrom := stopped.Add(maxStaleness + pollSlack)
	t.Logf("stopping PostgreSQL took %v", stopped.Sub(stopping).Round(time.Millisecond))
	r := getWithKey(t, cold, url)
	problemOf(t, r, 503, "auth_unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	// A verified key passes authentication while the cache is fresh (the
	// handler itself then needs the database: 503 unavailable, with
	// Retry-After), and is refused with 503 auth_unavailable after
	// MaxStaleness; never with 401, never a 500.
	r = getWithKey(t, quiet, url)
	quietHonoured := time.Now().Before(honouredUntil)
	if quietHonoured {
		if r.status != 503 || !strings.Contains(string(r.body), `"code":"unavailable"`) || r.header.Get("Retry-After") == "" {
			t.Fatalf("a verified key right after the stop: %d %s (want 503 unavailable from the handler, with Retry-After)", r.status, r.body)
		}
	} else {
		t.Logf("the request with the verified key was answered %v after the stop began, too late to expect it honoured", time.Since(stopping))
	}
	for {
		sent := time.Now()
		r := getWithKey(t, warm, url)
		answered := time.Now()
		code := ""
		if r.status != 200 {
			var p struct{ Code string }
			json.Unmarshal(r.body, &p)
			code = p.Code
		}
		switch {
		case r.status == 503 && code == "auth_unavailable":
			if answered.Before(honouredUntil) {
				t.Fatalf("the verified key was refused %v after the stop began, within MaxStaleness", answered.Sub(stopping))
			}
			if r.header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		case r.status == 401 || r.status == 403 || r.status == 404 || r.status == 500:
			t.Fatalf("the verified key got %d %s during the outage", r.status, code)
		case sent.After(refusedFrom):
			t.Fatalf("the verified key passed authentication (%d %s) %v after the stop ended, past MaxStaleness", r.status, code, sent.Sub(stopped))
		default:
			time.Sleep(250 * time.Millisecond)
			continue
		}
		break
	}

	pg.Start()
	deadline := time.Now().Add(60 * time.Second)
	for getWithKey(t, warm, url).status != 200 || getWithKey(t, cold, url).status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the keys were still refused 60s after the database came back")
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Stop the server gracefully: it writes the pending last-used times.
	srv.signal(t, syscall.SIGINT)
	if code := srv.wait(t); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, srv.stderr.String())
	}
	// The quiet key's use before the outage came before stopping: a
	// last-used time from stopping on is the use during the outage.
	if after := quietLastUsed(t, bin, db, quiet); quietHonoured && after.Before(stopping.Truncate(time.Microsecond)) {
		t.Fatalf("the use during the outage was not written: last used %v, outage from %v", after, stopping)
	}
}

// lastUsedOf returns the last-used time of key as `keys list` shows it,
// and whether it has one.
func lastUsedOf(t *testing.T, bin, db, key string) (time.Time, bool) {
	t.Helper()
	for _, k := range cliKeys(t, bin, db) {
		if k["prefix"] == key[:15] {
			if k["last_used_at"] == nil {
				return time.Time{}, false
			}
			return mustTime(t, k["last_used_at"]), true
		}
	}
	t.Fatalf("key %s is not listed", key[:15])
	return time.Time{}, false
}

// quietLastUsed returns the last-used time of key as `keys list` shows it;
// the key must have one.
func quietLastUsed(t *testing.T, bin, db, key string) time.Time {
	t.Helper()
	at, ok := lastUsedOf(t, bin, db, key)
	if !ok {
		t.Fatalf("key %s was never used", key[:15])
	}
	return at
}

// createKeyCLI creates a read key of organization demo with the CLI.
func createKeyCLI(t *testing.T, bin, db string) string {
	t.Helper()
	return strings.TrimSpace(runBinary(t, bin, "keys", "create", "-org", "demo", "-name", "cold", "-permission", "read", "-db", db))
}
