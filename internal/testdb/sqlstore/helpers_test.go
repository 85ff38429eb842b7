package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/driive/keyauth/internal/testdb"
	"github.com/driive/keyauth/store/sqlstore"
)

// These are the tests of store/sqlstore that need a SQL driver. They live
// in the internal/testdb module, beside the drivers, so that the keyauth
// module requires none: its go.mod, and so the go.sum of every module that
// requires keyauth, stays free of pgx, go-sql-driver/mysql and
// ncruces/go-sqlite3. The tests that need no database stay in
// store/sqlstore.

// migrationsDir holds the shipped migration files, the ones teams apply
// with their own tool (the same bytes sqlstore embeds).
const migrationsDir = "../../../store/sqlstore/migrations"

// databases are the three dialects with a fresh database each time open is
// called; test names carry the name.
var databases = []struct {
	name    string
	dialect sqlstore.Dialect
	open    func(testing.TB) (string, *sql.DB)
	driver  string
}{
	{"postgres", sqlstore.Postgres, testdb.PostgresDSN, "pgx"},
	{"mysql", sqlstore.MySQL, testdb.MySQLDSN, "mysql"},
	{"sqlite", sqlstore.SQLite, testdb.SQLiteDSN, "sqlite3"},
}

// forEachDB runs f as a parallel sub-test per database.
func forEachDB(t *testing.T, f func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB))) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			f(t, d.dialect, d.open)
		})
	}
}

// newStore returns a migrated Store on a fresh database, and the database.
func newStore(t testing.TB, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) (*sqlstore.Store, *sql.DB) {
	t.Helper()
	_, db := open(t)
	s, err := sqlstore.New(db, dialect)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, db
}
