package main

import (
	"context"
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
)

// A short admin password is refused before anything starts: it opens the
// management API of every organization to scripts.
func TestServeRefusesShortAdminPassword(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/driive.db"
	for _, pw := range []string{"pw", "eleven char"} {
		r := cli(t, db, "serve", "-addr", "127.0.0.1:0", "-admin-password", pw)
		r.fails(t, exitUsage, "the admin password must be at least 12 characters")
	}
}

// The CLI's changes are in the audit trail as actor "cli" with the OS
// user's name.
func TestCLIChangesAreAudited(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/driive.db"
	key := strings.TrimSpace(cli(t, db, "keys", "create", "-org", "acme", "-name", "n", "-permission", "read").ok(t).stdout)
	cli(t, db, "keys", "revoke", "-org", "acme", key[:15]).ok(t)
	d, err := openDatabase(context.Background(), mustParseDSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	evs, err := d.keys.Events(context.Background(), apikey.EventQuery{OrgID: "acme", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	want := osUserName(env{getenv: func(string) string { return "" }})
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	for _, e := range evs {
		if e.Actor.ID != "cli" || e.Actor.Name != want {
			t.Errorf("event %s by %+v, want cli / %s", e.Action, e.Actor, want)
		}
	}
}
