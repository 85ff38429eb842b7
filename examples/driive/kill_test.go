package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests kill the binary with SIGKILL in the middle of its writes
// and check that the database holds no half-written key and that the next
// start works.

var (
	killBinOnce sync.Once
	killBin     string
	killBinErr  error
)

// builtBinary builds the binary once for the tests of this file.
func builtBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped in -short mode")
	}
	killBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "driive-kill-")
		if err != nil {
			killBinErr = err
			return
		}
		killBin = filepath.Join(dir, "driive")
		out, err := exec.Command("go", "build", "-o", killBin, ".").CombinedOutput()
		if err != nil {
			killBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if killBinErr != nil {
		t.Fatal(killBinErr)
	}
	return killBin
}

// TestKillDuringKeyCreation kills `keys create` at moments spread over its
// run, on every database: afterwards every stored key is whole (id, org,
// prefix, permission and an argon2id hash), every key a finished command
// printed is stored, `keys list` works, and a server starts on the
// database and accepts a printed key.
func TestKillDuringKeyCreation(t *testing.T) {
	bin := builtBinary(t)
	forEachDB(t, func(t *testing.T, db string) {
		const org = "killed"
		create := func(i int) *exec.Cmd {
			cmd := exec.Command(bin, "keys", "create", "-org", org, "-name", fmt.Sprintf("key %d", i), "-permission", "write", "-db", db)
			cmd.Env = cleanEnv()
			return cmd
		}
		// The first run migrates the database; the second, a whole run
		// on a migrated one, tells how long a run takes, so that the
		// kills spread over all of it and a little past it (some runs
		// finish): the i-th of n is sent i/n of 1.25 runs after its
		// start. The first is sent at once, before the command can have
		// done anything, so that at least one run is killed whatever the
		// machine's speed.
		first, err := create(0).Output()
		if err != nil {
			t.Fatalf("keys create: %v", err)
		}
		start := time.Now()
		second, err := create(1).Output()
		if err != nil {
			t.Fatalf("keys create: %v", err)
		}
		took := time.Since(start)
		printed := []string{strings.TrimSpace(string(first)), strings.TrimSpace(string(second))}
		killed := 0
		const n = 16
		for i := range n {
			cmd := create(2 + i)
			var out strings.Builder
			cmd.Stdout = &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep((took + took/4) * time.Duration(i) / n)
			cmd.Process.Signal(syscall.SIGKILL)
			err := cmd.Wait()
			if err == nil {
				if k := strings.TrimSpace(out.String()); k != "" {
					printed = append(printed, k)
				}
				continue
			}
			killed++
		}
		t.Logf("one run took %v; %d of %d runs killed", took.Round(time.Millisecond), killed, n)
		if killed == 0 {
			t.Fatal("no run was killed: the test proves nothing")
		}
		checkKeysWhole(t, db)

		var listed []map[string]any
		if err := json.Unmarshal([]byte(runBinary(t, bin, "keys", "list", "-org", org, "-json", "-db", db)), &listed); err != nil {
			t.Fatalf("keys list -json after the kills: %v", err)
		}
		prefixes := map[string]bool{}
		for _, k := range listed {
			prefixes[k["prefix"].(string)] = true
		}
		for _, k := range printed {
			if !prefixes[k[:len("dk_")+12]] {
				t.Fatalf("key %s was printed but is not stored", k[:15])
			}
		}
		srv := startServer(t, bin, db, nil, "-admin-password", "correct horse battery")
		if got := httpStatus(t, printed[0], "GET", srv.url+"/v1/organizations/"+org+"/contacts", ""); got != 200 {
			t.Fatalf("a key created before the kills answers %d after a restart", got)
		}
		srv.signal(t, syscall.SIGTERM)
		if code := srv.wait(t); code != 0 {
			t.Fatalf("exit status %d", code)
		}
	})
}

// TestKillDuringFlush kills the server with SIGKILL while it serves a load
// of requests, on every database: once before its first periodic
// last-used write, and once as soon as that write has reached the
// database (as the test's own connection sees it). Afterwards every stored
// key is whole, the last-used times written before a kill are kept, each
// last-used time is a real use (after the key's creation, not in the
// future), and the server starts again and serves the same keys. The
// test waits for what it can see (a served request, a written time), not
// for the 5 s of FlushInterval, so a slow machine cannot make the kill
// miss its moment.
func TestKillDuringFlush(t *testing.T) {
	bin := builtBinary(t)
	forEachDB(t, func(t *testing.T, db string) {
		const org = "flushed"
		var keys []string
		for i := range 6 {
			keys = append(keys, strings.TrimSpace(runBinary(t, bin, "keys", "create", "-org", org,
				"-name", fmt.Sprintf("key %d", i), "-permission", "read", "-db", db)))
		}
		d, err := openDatabase(t.Context(), mustParseDSN(t, db))
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for _, kill := range []string{"before the first write", "after the first write"} {
			written := storedLastUsed(t, d, keys)
			srv := startServer(t, bin, db, nil, "-admin-password", "correct horse battery")
			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var served atomic.Int64
			for _, k := range keys {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						// 503: the argon2id slots are all busy (six cold
						// keys on a small machine); 0: the server is gone.
						switch got := loadRequest(ctx, k, srv.url+"/v1/organizations/"+org+"/contacts"); got {
						case 200:
							served.Add(1)
						case 503, 0:
						default:
							t.Errorf("answer %d under load", got)
							return
						}
						time.Sleep(5 * time.Millisecond) // a steady load, not a busy loop
					}
				}()
			}
			var kept map[string]time.Time // last-used times written before the kill
			deadline := time.Now().Add(60 * time.Second)
			for {
				if kill == "before the first write" && served.Load() > 0 {
					break
				}
				if kill == "after the first write" {
					now := storedLastUsed(t, d, keys)
					if newer(now, written) {
						kept = now
						break
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("kill %s: nothing to wait for after 60s (%d requests served)", kill, served.Load())
				}
				time.Sleep(5 * time.Millisecond)
			}
			srv.cmd.Process.Signal(syscall.SIGKILL)
			srv.wait(t)
			stop()
			wg.Wait()
			if served.Load() == 0 {
				t.Fatalf("no request was served before the kill %s", kill)
			}
			checkKeysWhole(t, db)
			after := storedLastUsed(t, d, keys)
			for id, at := range kept {
				if after[id].Before(at) {
					t.Fatalf("kill %s: key %s was last used at %v before the kill, at %v after it", kill, id, at, after[id])
				}
			}
		}
		var listed []map[string]any
		if err := json.Unmarshal([]byte(runBinary(t, bin, "keys", "list", "-org", org, "-json", "-db", db)), &listed); err != nil {
			t.Fatalf("keys list -json after the kills: %v", err)
		}
		if len(listed) != len(keys) {
			t.Fatalf("%d keys listed, want %d", len(listed), len(keys))
		}
		for _, k := range listed {
			if lu, ok := k["last_used_at"].(string); ok {
				used, created := mustTime(t, lu), mustTime(t, k["created_at"])
				if used.Before(created) || used.After(time.Now()) {
					t.Fatalf("last_used_at %v of a key created %v", used, created)
				}
			}
		}
		srv := startServer(t, bin, db, nil, "-admin-password", "correct horse battery")
		for _, k := range keys {
			if got := httpStatus(t, k, "GET", srv.url+"/v1/organizations/"+org+"/contacts", ""); got != 200 {
				t.Fatalf("after the kills a key answers %d", got)
			}
		}
		srv.signal(t, syscall.SIGTERM)
		if code := srv.wait(t); code != 0 {
			t.Fatalf("exit status %d", code)
		}
	})
}

// storedLastUsed reads the stored last-used time of each key (zero: never
// used), by key id.
func storedLastUsed(t *testing.T, d *database, keys []string) map[string]time.Time {
	t.Helper()
	m := make(map[string]time.Time, len(keys))
	for _, k := range keys {
		id := k[len("dk_") : len("dk_")+12]
		r, err := d.keys.Get(t.Context(), id)
		if err != nil {
			t.Fatalf("reading key %s: %v", id, err)
		}
		m[id] = r.LastUsedAt
	}
	return m
}

// newer reports whether a last-used time in now is later than in before.
func newer(now, before map[string]time.Time) bool {
	for id, at := range now {
		if at.After(before[id]) {
			return true
		}
	}
	return false
}

// loadRequest sends one authenticated GET and returns its status, or 0
// when the connection failed (the server was killed).
func loadRequest(ctx context.Context, key, url string) int {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// checkKeysWhole reads every row of the key table: each has an id, an
// organization, the display prefix of its id, a permission, an argon2id
// hash and a creation time.
func checkKeysWhole(t *testing.T, db string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := openDatabase(ctx, mustParseDSN(t, db))
	if err != nil {
		t.Fatalf("opening the database after the kills: %v", err)
	}
	defer d.Close()
	rows, err := d.db.QueryContext(ctx, "SELECT id, org_id, prefix, permission, hash FROM keyauth_keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, org, prefix, perm, hash string
		if err := rows.Scan(&id, &org, &prefix, &perm, &hash); err != nil {
			t.Fatalf("a key row does not read: %v", err)
		}
		n++
		if len(id) != 12 || org == "" || prefix != "dk_"+id || (perm != "read" && perm != "write") ||
			!strings.HasPrefix(hash, "$argon2id$v=19$m=") || strings.Count(hash, "$") != 5 {
			t.Fatalf("half-written key: id %q org %q prefix %q permission %q hash %d bytes", id, org, prefix, perm, len(hash))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no keys stored")
	}
}
