package sqlstore_test

import (
	"os"
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
	"github.com/driive/keyauth/store/storetest"
)

// TestToolMigratedDatabases runs on databases that the golang-migrate and
// goose command-line tools built from the shipped files (.ci/run makes
// them). KEYAUTH_TOOL_DATABASES lists them, one a line: a name, the
// dialect (postgres, mysql or sqlite) and a DSN for the pgx, mysql or
// sqlite3 (ncruces/go-sqlite3) driver. On each, without Migrate, Check
// and the conformance suite pass; then Migrate succeeds, recognising the
// schema, and records every version. KEYAUTH_REQUIRE_TOOL_DATABASES=1 makes an
// empty list a failure.
func TestToolMigratedDatabases(t *testing.T) {
	list := strings.TrimSpace(os.Getenv("KEYAUTH_TOOL_DATABASES"))
	if list == "" {
		if os.Getenv("KEYAUTH_REQUIRE_TOOL_DATABASES") == "1" {
			t.Fatal("KEYAUTH_TOOL_DATABASES is empty and KEYAUTH_REQUIRE_TOOL_DATABASES=1")
		}
		t.Skip("KEYAUTH_TOOL_DATABASES is not set: .ci/run makes the databases with golang-migrate and goose")
	}
	drivers := map[string]struct {
		dialect sqlstore.Dialect
		driver  string
	}{
		"postgres": {sqlstore.Postgres, "pgx"},
		"mysql":    {sqlstore.MySQL, "mysql"},
		"sqlite":   {sqlstore.SQLite, "sqlite3"},
	}
	for line := range strings.Lines(list) {
		fields := strings.Fields(line)
		if len(fields) != 3 {
			t.Fatalf("KEYAUTH_TOOL_DATABASES line %q: want name, dialect and DSN", strings.TrimSpace(line))
		}
		name, d := fields[0], drivers[fields[1]]
		if d.driver == "" {
			t.Fatalf("KEYAUTH_TOOL_DATABASES line %s: unknown dialect %q", name, fields[1])
		}
		t.Run(name, func(t *testing.T) {
			db := openDB(t, d.driver, fields[2])
			s, err := sqlstore.New(db, d.dialect)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Check(t.Context()); err != nil {
				t.Fatalf("Check on the schema the tool applied: %v", err)
			}
			storetest.Run(t, func(*testing.T) apikey.Store { return s })
			fresh, _ := sqlstore.New(db, d.dialect)
			if err := fresh.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate after the tool: %v", err)
			}
			if got, want := countVersions(t, db), newestVersion(t, d.dialect); got != want {
				t.Errorf("%d versions recorded after Migrate, want %d", got, want)
			}
			if err := fresh.Check(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
