package sqlstore_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/driive/keyauth/store/sqlstore"
)

// migrationName is the one name golang-migrate and goose both read the
// same way: golang-migrate's NNN_name.up.sql, whose number before the
// first "_" is goose's version.
var migrationName = regexp.MustCompile(`^([0-9]{3})_([a-z0-9_]+)\.up\.sql$`)

// TestMigrationLayout checks what lets the shipped files be applied as
// they are by golang-migrate and goose, whatever the number of versions:
// every dialect has the same versions under the same names, numbered from
// 1 without a gap; each file has goose's Up annotation before its first
// statement and nothing either tool would read differently, and the probe
// by which Migrate recognises it.
func TestMigrationLayout(t *testing.T) {
	var want []string
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL, sqlstore.SQLite} {
		files, err := sqlstore.Migrations(d)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := fs.ReadDir(files, ".")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i, e := range entries {
			m := migrationName.FindStringSubmatch(e.Name())
			if m == nil {
				t.Errorf("%v: %s is not named NNN_name.up.sql (three digits, lower-case name)", d, e.Name())
				continue
			}
			if m[1] != fmt.Sprintf("%03d", i+1) {
				t.Errorf("%v: %s: version %s, want %03d (numbered from 001 without a gap)", d, e.Name(), m[1], i+1)
			}
			names = append(names, e.Name())
			b, err := fs.ReadFile(files, e.Name())
			if err != nil {
				t.Fatal(err)
			}
			checkMigrationText(t, fmt.Sprintf("%v/%s", d, e.Name()), string(b))
		}
		if len(names) == 0 {
			t.Errorf("%v: no migrations", d)
		}
		if want == nil {
			want = names
		} else if !slices.Equal(names, want) {
			t.Errorf("%v has migrations %v, postgres has %v: every dialect needs the same versions and names", d, names, want)
		}
	}
}

func checkMigrationText(t *testing.T, name, text string) {
	t.Helper()
	sawUp, probes := false, 0
	for line := range strings.Lines(text) {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "-- keyauth:probe "):
			probes++
		case trimmed == "-- +goose Up":
			sawUp = true
		case strings.HasPrefix(trimmed, "-- +goose"):
			// Down would be run by golang-migrate along with Up;
			// StatementBegin blocks are not split the same way by Migrate.
			t.Errorf("%s: %q: only \"-- +goose Up\" may be used", name, trimmed)
		case trimmed == "" || strings.HasPrefix(trimmed, "--"):
		case !sawUp:
			t.Errorf("%s: a statement comes before \"-- +goose Up\": %q", name, trimmed)
			return
		}
	}
	if !sawUp {
		t.Errorf("%s: no \"-- +goose Up\" line", name)
	}
	if probes != 1 {
		t.Errorf("%s: %d \"-- keyauth:probe <query>\" lines, want 1 (see migrations/README.md)", name, probes)
	}
}
