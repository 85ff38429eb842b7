package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// cliResult is what one command line printed and returned.
type cliResult struct {
	stdout, stderr string
	code           int
}

// cli runs a command line in process with DRIIVE_DB set to db.
func cli(t *testing.T, db string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(t.Context(), args, env{stdout: &out, stderr: &errb, getenv: func(k string) string {
		if k == "DRIIVE_DB" {
			return db
		}
		return ""
	}, hash: cheapHash})
	return cliResult{out.String(), errb.String(), code}
}

// ok checks that the command succeeded with an empty stderr.
func (r cliResult) ok(t *testing.T) cliResult {
	t.Helper()
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q; want success", r.code, r.stderr, r.stdout)
	}
	return r
}

// fails checks the exit status and the one-line error on stderr.
func (r cliResult) fails(t *testing.T, code int, stderrHas string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
		t.Fatalf("stderr %q is not one line", r.stderr)
	}
	if !strings.Contains(r.stderr, stderrHas) {
		t.Fatalf("stderr %q does not mention %q", r.stderr, stderrHas)
	}
	if r.stdout != "" {
		t.Fatalf("stdout %q on failure", r.stdout)
	}
}

// rfc3339UTC is how the CLI writes times.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)

func decodeJSON[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("output %q is not the JSON expected: %v", s, err)
	}
	return v
}

func TestCLI(t *testing.T) {
	forEachDB(t, func(t *testing.T, db string) {
		t.Run("create", func(t *testing.T) { testCreate(t, db) })
		t.Run("list", func(t *testing.T) { testList(t, db) })
		t.Run("revoke", func(t *testing.T) { testRevoke(t, db) })
		t.Run("rotate", func(t *testing.T) { testRotate(t, db) })
	})
}

func testCreate(t *testing.T, db string) {
	// Plain: the key alone on stdout.
	r := cli(t, db, "keys", "create", "-org", "acme", "-name", "CRM Sync", "-permission", "read").ok(t)
	if !apikey.Pattern.MatchString(strings.TrimSuffix(r.stdout, "\n")) || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("stdout %q is not one key", r.stdout)
	}
	// -json: every member docs/example-server.md names.
	before := time.Now().Add(-time.Second)
	r = cli(t, db, "keys", "create", "-json", "-org", "acme", "-name", "Zapier", "-permission", "write", "-db", db).ok(t)
	obj := decodeJSON[map[string]any](t, r.stdout)
	wantKeys(t, obj, "key", "id", "prefix", "org_id", "name", "permission", "created_at", "expires_at")
	key := obj["key"].(string)
	id, err := apikey.Parse(key)
	if err != nil || obj["id"] != id || obj["prefix"] != "dk_"+id || obj["org_id"] != "acme" ||
		obj["name"] != "Zapier" || obj["permission"] != "write" || obj["expires_at"] != nil {
		t.Fatalf("create -json: %v", obj)
	}
	if c := mustTime(t, obj["created_at"]); c.Before(before) || c.After(time.Now().Add(time.Second)) {
		t.Fatalf("created_at %v", c)
	}

	now := time.Now().UTC()
	for _, tc := range []struct {
		desc, when string
		want       func(time.Time) bool
	}{
		{"RFC 3339", "2031-02-03T04:05:06+01:00", func(e time.Time) bool { return e.Equal(time.Date(2031, 2, 3, 3, 5, 6, 0, time.UTC)) }},
		{"date: end of that day", "2031-02-03", func(e time.Time) bool { return e.Equal(time.Date(2031, 2, 4, 0, 0, 0, 0, time.UTC)) }},
		{"duration", "90m", func(e time.Time) bool { d := e.Sub(now); return d > 89*time.Minute && d < 91*time.Minute }},
		{"long duration", "720h", func(e time.Time) bool { d := e.Sub(now); return d > 719*time.Hour && d < 721*time.Hour }},
	} {
		t.Run("expires "+tc.desc, func(t *testing.T) {
			r := cli(t, db, "keys", "create", "-org", "acme", "-name", "exp", "-permission", "read", "-expires", tc.when, "-json").ok(t)
			got := decodeJSON[map[string]any](t, r.stdout)["expires_at"]
			if s, _ := got.(string); !rfc3339UTC.MatchString(s) || !tc.want(mustTime(t, got)) {
				t.Fatalf("-expires %s: expires_at %v", tc.when, got)
			}
		})
	}

	for _, tc := range []struct {
		desc string
		args []string
		code int
		msg  string
	}{
		{"missing -org", []string{"-name", "n", "-permission", "read"}, 2, "-org"},
		{"missing -name", []string{"-org", "acme", "-permission", "read"}, 2, "-name"},
		{"missing -permission", []string{"-org", "acme", "-name", "n"}, 2, "-permission"},
		{"unknown flag", []string{"-org", "acme", "-name", "n", "-permission", "read", "-colour", "red"}, 2, "colour"},
		{"stray argument", []string{"-org", "acme", "-name", "n", "-permission", "read", "extra"}, 2, "extra"},
		{"unparsable expiry", []string{"-org", "acme", "-name", "n", "-permission", "read", "-expires", "next week"}, 2, "-expires"},
		{"unparsable -json", []string{"-org", "acme", "-name", "n", "-permission", "read", "-json=maybe"}, 2, "json"},
		{"unknown permission", []string{"-org", "acme", "-name", "n", "-permission", "admin"}, 1, "permission"},
		{"bad organization id", []string{"-org", "acme corp", "-name", "n", "-permission", "read"}, 1, "organization"},
		{"empty name", []string{"-org", "acme", "-name", "", "-permission", "read"}, 1, "name"},
		{"expiry in the past", []string{"-org", "acme", "-name", "n", "-permission", "read", "-expires", "2020-01-01"}, 1, "future"},
		{"negative duration", []string{"-org", "acme", "-name", "n", "-permission", "read", "-expires", "-1h"}, 1, "future"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			cli(t, db, append([]string{"keys", "create"}, tc.args...)...).fails(t, tc.code, tc.msg)
		})
	}
	// None of the refused commands created a key.
	var names []string
	for _, k := range decodeJSON[[]map[string]any](t, cli(t, db, "keys", "list", "-org", "acme", "-json").ok(t).stdout) {
		names = append(names, k["name"].(string))
	}
	if want := []string{"CRM Sync", "Zapier", "exp", "exp", "exp", "exp"}; !slices.Equal(names, want) {
		t.Fatalf("keys of acme: %v, want %v", names, want)
	}
}

func testList(t *testing.T, db string) {
	// An organization without keys is an empty array, not null.
	if r := cli(t, db, "keys", "list", "-org", "nobody", "-json").ok(t); strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("empty list: %q", r.stdout)
	}
	a := decodeJSON[map[string]any](t, cli(t, db, "keys", "create", "-org", "lister", "-name", "first", "-permission", "read", "-json").ok(t).stdout)
	b := decodeJSON[map[string]any](t, cli(t, db, "keys", "create", "-org", "lister", "-name", "second", "-permission", "write", "-expires", "2031-01-01", "-json").ok(t).stdout)
	cli(t, db, "keys", "create", "-org", "elsewhere", "-name", "other", "-permission", "read").ok(t)
	cli(t, db, "keys", "revoke", "-org", "lister", b["id"].(string)).ok(t)

	r := cli(t, db, "keys", "list", "-org", "lister", "-json").ok(t)
	list := decodeJSON[[]map[string]any](t, r.stdout)
	if len(list) != 2 {
		t.Fatalf("list: %v", list)
	}
	for _, k := range list {
		wantKeys(t, k, "id", "prefix", "name", "permission", "created_at", "expires_at", "last_used_at", "revoked_at")
	}
	first, second := list[0], list[1]
	if first["id"] != a["id"] || first["prefix"] != a["prefix"] || first["name"] != "first" || first["permission"] != "read" ||
		first["created_at"] != a["created_at"] || first["expires_at"] != nil || first["last_used_at"] != nil || first["revoked_at"] != nil {
		t.Fatalf("first key: %v (created %v)", first, a)
	}
	if second["id"] != b["id"] || second["permission"] != "write" || second["expires_at"] != "2031-01-02T00:00:00Z" {
		t.Fatalf("second key: %v", second)
	}
	if s, _ := second["revoked_at"].(string); !rfc3339UTC.MatchString(s) {
		t.Fatalf("revoked_at %v", second["revoked_at"])
	}
	if strings.Contains(r.stdout, "hash") || strings.Contains(r.stdout, "argon2") {
		t.Fatalf("list shows a hash: %s", r.stdout)
	}

	// The table names the keys by prefix, never by key.
	table := cli(t, db, "keys", "list", "-org", "lister").ok(t).stdout
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "PREFIX") || !strings.Contains(lines[1], a["prefix"].(string)) ||
		!strings.Contains(lines[2], "revoked") || strings.Contains(table, a["key"].(string)) {
		t.Fatalf("table:\n%s", table)
	}

	cli(t, db, "keys", "list").fails(t, 2, "-org")
	cli(t, db, "keys", "list", "-org", "lister", "extra").fails(t, 2, "extra")
	cli(t, db, "keys", "list", "-org", "bad/org").fails(t, 1, "organization")
}

func testRevoke(t *testing.T, db string) {
	mk := func(name string) map[string]any {
		return decodeJSON[map[string]any](t, cli(t, db, "keys", "create", "-org", "rev", "-name", name, "-permission", "read", "-json").ok(t).stdout)
	}
	a, b, c := mk("a"), mk("b"), mk("c")
	// By id, by prefix (with or without the listing's "..."), flags before
	// or after the key.
	cli(t, db, "keys", "revoke", "-org", "rev", a["id"].(string)).ok(t)
	cli(t, db, "keys", "revoke", b["prefix"].(string), "-org", "rev").ok(t)
	r := cli(t, db, "keys", "revoke", "-db", db, c["prefix"].(string)+"...", "-org", "rev").ok(t)
	if !strings.Contains(r.stdout, c["prefix"].(string)) || strings.Contains(r.stdout, c["key"].(string)) {
		t.Fatalf("revoke printed %q", r.stdout)
	}
	for _, k := range decodeJSON[[]map[string]any](t, cli(t, db, "keys", "list", "-org", "rev", "-json").ok(t).stdout) {
		if k["revoked_at"] == nil {
			t.Fatalf("%v not revoked", k["name"])
		}
	}
	// Idempotent: the first revocation time stays.
	before := cli(t, db, "keys", "list", "-org", "rev", "-json").ok(t).stdout
	cli(t, db, "keys", "revoke", "-org", "rev", a["id"].(string)).ok(t)
	if after := cli(t, db, "keys", "list", "-org", "rev", "-json").ok(t).stdout; after != before {
		t.Fatalf("revoking again changed the keys:\n%s\n%s", before, after)
	}

	cli(t, db, "keys", "revoke", "-org", "elsewhere", a["id"].(string)).fails(t, 1, "no such key")
	cli(t, db, "keys", "revoke", "-org", "rev", "dk_000000000000").fails(t, 1, "no such key")
	cli(t, db, "keys", "revoke", "-org", "rev", "not-a-key").fails(t, 1, "no such key")
	cli(t, db, "keys", "revoke", "-org", "rev").fails(t, 2, "ID_OR_PREFIX")
	cli(t, db, "keys", "revoke", a["id"].(string)).fails(t, 2, "-org")
	cli(t, db, "keys", "revoke", "-org", "rev", a["id"].(string), b["id"].(string)).fails(t, 2, "unexpected")
	// A whole key pasted by mistake is not echoed.
	r = cli(t, db, "keys", "revoke", "-org", "rev", c["key"].(string))
	r.fails(t, 1, "no such key")
	if strings.Contains(r.stderr, c["key"].(string)[16:]) {
		t.Fatalf("stderr echoes the key: %q", r.stderr)
	}
}

func testRotate(t *testing.T, db string) {
	old := decodeJSON[map[string]any](t, cli(t, db, "keys", "create", "-org", "rot", "-name", "Dashboard", "-permission", "write", "-expires", "720h", "-json").ok(t).stdout)
	start := time.Now()
	// Plain output: the new key alone.
	r := cli(t, db, "keys", "rotate", old["id"].(string), "-org", "rot").ok(t)
	newKey := strings.TrimSuffix(r.stdout, "\n")
	if !apikey.Pattern.MatchString(newKey) || newKey == old["key"] {
		t.Fatalf("rotate printed %q", r.stdout)
	}
	list := decodeJSON[[]map[string]any](t, cli(t, db, "keys", "list", "-org", "rot", "-json").ok(t).stdout)
	if len(list) != 2 {
		t.Fatalf("after rotate: %v", list)
	}
	oldNow, created := list[0], list[1]
	// Old key: expires after the default 24h grace.
	if d := mustTime(t, oldNow["expires_at"]).Sub(start); d < 23*time.Hour || d > 25*time.Hour || oldNow["revoked_at"] != nil {
		t.Fatalf("old key after rotate: %v", oldNow)
	}
	// New key: same name and permission, same 720h lifetime from now.
	newID, _ := apikey.Parse(newKey)
	if created["id"] != newID || created["name"] != "Dashboard" || created["permission"] != "write" {
		t.Fatalf("new key: %v", created)
	}
	if d := mustTime(t, created["expires_at"]).Sub(start); d < 719*time.Hour || d > 721*time.Hour {
		t.Fatalf("new key lifetime %v", d)
	}

	// -json, -grace 0 and -expires, flags after the prefix.
	r = cli(t, db, "keys", "rotate", "-org", "rot", created["prefix"].(string), "-grace", "0", "-expires", "2032-06-30", "-json").ok(t)
	obj := decodeJSON[map[string]any](t, r.stdout)
	wantKeys(t, obj, "key", "id", "prefix", "org_id", "name", "permission", "created_at", "expires_at")
	if obj["name"] != "Dashboard" || obj["org_id"] != "rot" || obj["expires_at"] != "2032-07-01T00:00:00Z" {
		t.Fatalf("rotate -json: %v", obj)
	}
	for _, k := range decodeJSON[[]map[string]any](t, cli(t, db, "keys", "list", "-org", "rot", "-json").ok(t).stdout) {
		if k["id"] == created["id"] && mustTime(t, k["expires_at"]).After(time.Now()) {
			t.Fatalf("-grace 0 left the old key working until %v", k["expires_at"])
		}
	}

	// Rotating a revoked key, or an expired one, fails.
	revoked := decodeJSON[map[string]any](t, cli(t, db, "keys", "create", "-org", "rot", "-name", "r", "-permission", "read", "-json").ok(t).stdout)
	cli(t, db, "keys", "revoke", "-org", "rot", revoked["id"].(string)).ok(t)
	cli(t, db, "keys", "rotate", "-org", "rot", revoked["id"].(string)).fails(t, 1, "revoked")
	cli(t, db, "keys", "rotate", "-org", "rot", created["id"].(string)).fails(t, 1, "expired")

	cli(t, db, "keys", "rotate", "-org", "rot", obj["id"].(string), "-grace", "soon").fails(t, 2, "grace")
	cli(t, db, "keys", "rotate", "-org", "rot", obj["id"].(string), "-grace", "-1h").fails(t, 1, "grace")
	cli(t, db, "keys", "rotate", "-org", "rot", obj["id"].(string), "-expires", "2020-01-01").fails(t, 1, "future")
	cli(t, db, "keys", "rotate", "-org", "rot", obj["id"].(string), "-expires", "someday").fails(t, 2, "-expires")
	cli(t, db, "keys", "rotate", "-org", "rot").fails(t, 2, "ID_OR_PREFIX")
	cli(t, db, "keys", "rotate", "-org", "other", obj["id"].(string)).fails(t, 1, "no such key")
}

// TestCLIUsage covers what needs no database: commands, help and -db.
func TestCLIUsage(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/u.db"
	for _, tc := range []struct {
		desc string
		args []string
		code int
		msg  string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"keys without subcommand", []string{"keys"}, 2, "subcommand"},
		{"unknown keys subcommand", []string{"keys", "delete"}, 2, "unknown subcommand"},
		{"unknown serve flag", []string{"serve", "-port", "80"}, 2, "port"},
		{"serve with an argument", []string{"serve", "now"}, 2, "now"},
		{"serve with a bad address", []string{"serve", "-addr", "8080"}, 2, "-addr"},
		{"-db of unknown form", []string{"keys", "list", "-org", "a", "-db", "oracle://x"}, 2, "-db"},
		{"-db sqlite without path", []string{"keys", "list", "-org", "a", "-db", "sqlite:"}, 2, "-db"},
		{"-db mysql without database", []string{"keys", "list", "-org", "a", "-db", "mysql://root@127.0.0.1:3306"}, 2, "-db"},
		{"unreachable database", []string{"keys", "list", "-org", "a", "-db", "postgres://nobody@127.0.0.1:1/x?connect_timeout=2"}, 1, "database"},
	} {
		t.Run(tc.desc, func(t *testing.T) { cli(t, db, tc.args...).fails(t, tc.code, tc.msg) })
	}
	t.Run("password in -db is not echoed", func(t *testing.T) {
		r := cli(t, db, "keys", "list", "-org", "a", "-db", "mysql://u:hunter2@127.0.0.1:1/x")
		r.fails(t, 1, "database")
		if strings.Contains(r.stderr, "hunter2") {
			t.Fatalf("stderr shows the password: %q", r.stderr)
		}
	})
	t.Run("rotate help says to revoke a leaked key", func(t *testing.T) {
		r := cli(t, db, "keys", "rotate", "-h").ok(t)
		if !strings.Contains(r.stdout, "-grace") || !strings.Contains(r.stdout, "24h") ||
			!strings.Contains(r.stdout, "leaked") || !strings.Contains(r.stdout, "driive keys revoke") {
			t.Fatalf("rotate -h:\n%s", r.stdout)
		}
	})
	for _, args := range [][]string{{"-h"}, {"help"}, {"keys", "create", "-h"}, {"keys", "list", "-help"}, {"serve", "-h"}} {
		t.Run(fmt.Sprint("help ", args), func(t *testing.T) {
			if r := cli(t, db, args...).ok(t); !strings.Contains(r.stdout, "Usage") {
				t.Fatalf("%v: %q", args, r.stdout)
			}
		})
	}
	t.Run("DRIIVE_DB is the default -db", func(t *testing.T) {
		k := cli(t, db, "keys", "create", "-org", "envorg", "-name", "n", "-permission", "read").ok(t).stdout
		id, _ := apikey.Parse(strings.TrimSpace(k))
		list := cli(t, "", "keys", "list", "-org", "envorg", "-json", "-db", db).ok(t).stdout
		if !strings.Contains(list, id) {
			t.Fatalf("the key created through DRIIVE_DB is not in %s: %s", db, list)
		}
	})
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		desc, in string
		want     time.Time
		ok       bool
	}{
		{"RFC 3339 UTC", "2027-01-02T03:04:05Z", time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"RFC 3339 with offset", "2027-01-02T03:04:05-02:00", time.Date(2027, 1, 2, 5, 4, 5, 0, time.UTC), true},
		{"RFC 3339 with fraction", "2027-01-02T03:04:05.5Z", time.Date(2027, 1, 2, 3, 4, 5, 5e8, time.UTC), true},
		{"date", "2027-12-31", time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"leap day", "2028-02-29", time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"minutes", "90m", now.Add(90 * time.Minute), true},
		{"hours", "720h", now.Add(720 * time.Hour), true},
		{"negative", "-1h", now.Add(-time.Hour), true},
		{"empty", "", time.Time{}, false},
		{"days are not a Go duration", "30d", time.Time{}, false},
		{"bad date", "2027-02-30", time.Time{}, false},
		{"no zone", "2027-01-02T03:04:05", time.Time{}, false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := parseWhen(tc.in, now)
			if (err == nil) != tc.ok || !got.Equal(tc.want) || (tc.ok && got.Location() != time.UTC) {
				t.Fatalf("parseWhen(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		desc, in string
		dialect  dialect
		driver   string
		dsnHas   []string
	}{
		{"sqlite", "sqlite:driive.db", dialectSQLite, "sqlite3", []string{"file:driive.db?", "journal_mode%28WAL%29", "busy_timeout", "_txlock=immediate"}},
		{"postgres", "postgres://u@h:5432/db?sslmode=disable", dialectPostgres, "pgx", []string{"postgres://u@h:5432/db?sslmode=disable"}},
		{"postgresql", "postgresql://u@h/db", dialectPostgres, "pgx", []string{"postgresql://u@h/db"}},
		{"mysql", "mysql://user:p%40ss@db.example:3307/app", dialectMySQL, "mysql", []string{"user:p@ss@tcp(db.example:3307)/app?", "parseTime=true"}},
		{"mysql default port", "mysql://root@localhost/app?tls=preferred", dialectMySQL, "mysql", []string{"root@tcp(localhost:3306)/app?", "tls=preferred"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			src, err := parseDSN(tc.in)
			if err != nil || src.dialect != tc.dialect || src.driver != tc.driver {
				t.Fatalf("parseDSN(%q) = %+v, %v", tc.in, src, err)
			}
			for _, s := range tc.dsnHas {
				if !strings.Contains(src.dsn, s) {
					t.Fatalf("dsn %q lacks %q", src.dsn, s)
				}
			}
		})
	}
	for _, bad := range []string{"", "driive.db", "sqlite:", "sqlite:a?b", "mysql://", "mysql://h:3306/", "mysql://h/a/b", "mysql://h/db?parseTime=maybe", "oracle://x"} {
		if _, err := parseDSN(bad); err == nil {
			t.Errorf("parseDSN(%q) accepted", bad)
		}
	}
}
