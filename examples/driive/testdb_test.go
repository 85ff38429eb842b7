package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
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

func skipOrFail(t *testing.T, env string) {
	t.Helper()
	if os.Getenv("KEYAUTH_REQUIRE_DB") == "1" {
		t.Fatalf("%s is not set and KEYAUTH_REQUIRE_DB=1", env)
	}
	t.Skipf("%s is not set: skipping this database (set it to a server's DSN to run)", env)
}

func randomName() string { return "driive_test_" + strings.ToLower(rand.Text()[:16]) }

// freshPostgres creates a database on the server of KEYAUTH_POSTGRES_DSN.
func freshPostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("KEYAUTH_POSTGRES_DSN")
	if dsn == "" {
		skipOrFail(t, "KEYAUTH_POSTGRES_DSN")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("KEYAUTH_POSTGRES_DSN does not parse: %v", err)
	}
	admin := *u
	admin.Path = "/postgres" // the named database need not exist
	db, err := sql.Open("pgx", admin.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := randomName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating a PostgreSQL test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", admin.String())
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// freshMySQL creates a database on the server of KEYAUTH_MYSQL_DSN (the
// driver's DSN form) and returns it in the mysql:// form of -db.
func freshMySQL(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("KEYAUTH_MYSQL_DSN")
	if dsn == "" {
		skipOrFail(t, "KEYAUTH_MYSQL_DSN")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("KEYAUTH_MYSQL_DSN does not parse: %v", err)
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := randomName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("creating a MySQL test database: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	u := url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + name}
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
