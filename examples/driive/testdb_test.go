package main

import (
	"net/url"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/driive/keyauth/internal/testdb"
)

// testDatabase is one kind of database the tests run on.
type testDatabase struct {
	name string
	// create returns the -db value of a fresh, empty database that is
	// dropped when the test ends.
	create func(t *testing.T) string
}

var testDatabases = []testDatabase{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + t.TempDir() + "/driive.db" }},
	{"postgres", freshPostgres},
	{"mysql", freshMySQL},
}

// forEachDB runs test once per database: SQLite always; PostgreSQL and
// MySQL/MariaDB when KEYAUTH_POSTGRES_DSN / KEYAUTH_MYSQL_DSN are set
// (with KEYAUTH_REQUIRE_DB=1 a missing one fails instead of skipping).
func forEachDB(t *testing.T, test func(t *testing.T, db string)) {
	for _, d := range testDatabases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			test(t, d.create(t))
		})
	}
}

// freshPostgres creates a database on the server of KEYAUTH_POSTGRES_DSN
// (internal/testdb: skipped when unset, failed under KEYAUTH_REQUIRE_DB=1).
func freshPostgres(t *testing.T) string {
	t.Helper()
	dsn, _ := testdb.PostgresDSN(t)
	return dsn
}

// freshMySQL creates a database on the server of KEYAUTH_MYSQL_DSN and
// returns it in the mysql:// form of -db.
func freshMySQL(t *testing.T) string {
	t.Helper()
	dsn, _ := testdb.MySQLDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("testdb's MySQL DSN does not parse: %v", err)
	}
	u := url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	return u.String()
}

// mustParseDSN is parseDSN for tests.
func mustParseDSN(t *testing.T, db string) dataSource {
	t.Helper()
	src, err := parseDSN(db)
	if err != nil {
		t.Fatalf("parseDSN: %v", err)
	}
	return src
}
