package main

import (
	"strings"
	"testing"
)

// TestCLINeverEchoesKeys pastes a key into every place of a command line
// that ends in an error, and checks that the error names the problem in one
// line without a piece of the key: no 8 characters of its secret.
func TestCLINeverEchoesKeys(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/driive.db"
	key := strings.TrimSpace(cli(t, db, "keys", "create", "-org", "acme", "-name", "w", "-permission", "write").ok(t).stdout)
	for _, args := range [][]string{
		{key},
		{"-" + key},
		{"keys", key},
		{"keys", "list", "-org", "acme", key},
		{"keys", "list", "-org", key},
		{"keys", "list", "-org", "acme", "-" + key},
		{"keys", "list", "-org", "acme", "-db", key},
		{"keys", "list", "-org", "acme", "-db", "postgres://" + key},
		{"keys", "list", "-org", "acme", "-db", "mysql://u:" + key + "@h:1/db"},
		{"keys", "create", "-org", "acme", "-name", "n", "-permission", key},
		{"keys", "create", "-org", "acme", "-name", "n", "-permission", "read", "-expires", key},
		{"keys", "create", "-org", "acme", "-name", "n", "-permission", "read", key},
		{"keys", "create", "-org", key, "-name", "n", "-permission", "read"},
		{"keys", "create", "-org", "acme", "-name", key, "-permission", "read"},
		{"keys", "create", "-org", "acme", "-name", "Prod " + key[:30], "-permission", "read"},
		{"keys", "revoke", "-org", "acme", key},
		{"keys", "revoke", "-org", "acme", key + "x"},
		{"keys", "revoke", "-org", "acme", key[:40] + "..."},
		{"keys", "revoke", "-org", key, key[:15]},
		{"keys", "revoke", "-org", "other", key},
		{"keys", "revoke", "-org", "acme", key[:15], key},
		{"keys", "rotate", "-org", "acme", key, "-grace", key},
		{"keys", "rotate", "-org", "acme", key[:15], "-expires", key},
		{"keys", "rotate", "-org", "other", key},
		{"serve", "-addr", key},
		{"serve", key},
	} {
		r := cli(t, db, args...)
		if r.code == 0 {
			t.Errorf("driive %q: succeeded", args)
			continue
		}
		if strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("driive %q: stderr %q is not one line", args, r.stderr)
		}
		secret := key[16:]
		for i := 0; i+8 <= len(secret); i++ {
			if strings.Contains(r.stderr+r.stdout, secret[i:i+8]) {
				t.Errorf("driive %q printed a piece of the key: %q", args, r.stderr+r.stdout)
				break
			}
		}
	}
}

// TestCLIRefusesKeyShapedValues: a key, or a piece of one, given as the
// organization id or the name of a new key is refused with exit 1 (it would
// be stored and shown in plaintext), and nothing is created; a key given as
// the organization of list, revoke or rotate is refused the same way.
func TestCLIRefusesKeyShapedValues(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/driive.db"
	key := strings.TrimSpace(cli(t, db, "keys", "create", "-org", "acme", "-name", "w", "-permission", "write").ok(t).stdout)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"create", "-org", key, "-name", "n", "-permission", "read"}, "-org looks like an API key"},
		{[]string{"create", "-org", key[:40], "-name", "n", "-permission", "read"}, "-org looks like an API key"},
		{[]string{"create", "-org", "acme", "-name", key, "-permission", "read"}, "-name looks like an API key"},
		{[]string{"create", "-org", "acme", "-name", "CI key " + key, "-permission", "read"}, "-name looks like an API key"},
		{[]string{"create", "-org", "acme", "-name", "xk_" + key[3:], "-permission", "read"}, "-name looks like an API key"},
		{[]string{"list", "-org", key}, "-org looks like an API key"},
		{[]string{"revoke", "-org", key, key[:15]}, "-org looks like an API key"},
		{[]string{"rotate", "-org", key, key[:15]}, "-org looks like an API key"},
		{[]string{"revoke", "-org", "acme", key}, "no such key in organization \"acme\" (ID_OR_PREFIX is a whole key"},
		{[]string{"rotate", "-org", "acme", key}, "no such key in organization \"acme\" (ID_OR_PREFIX is a whole key"},
	} {
		cli(t, db, append([]string{"keys"}, tc.args...)...).fails(t, exitFailure, tc.want)
	}
	list := decodeJSON[[]keyJSON](t, cli(t, db, "keys", "list", "-org", "acme", "-json").ok(t).stdout)
	if len(list) != 1 || list[0].Name != "w" || list[0].RevokedAt != nil {
		t.Fatalf("keys of acme after the refused commands: %+v, want the one key, unchanged", list)
	}
	// Ids, names and prefixes that merely resemble parts of a key pass.
	cli(t, db, "keys", "create", "-org", "dk_acme", "-name", "dk_"+key[3:15]+" backup", "-permission", "read").ok(t)
	cli(t, db, "keys", "revoke", "-org", "acme", key[:15]).ok(t)
}
