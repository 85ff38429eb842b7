package testdb

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
)

// Postgres returns a connection to a fresh PostgreSQL database, dropped
// when t ends.
func Postgres(t testing.TB) *sql.DB {
	t.Helper()
	_, db := PostgresDSN(t)
	return db
}

// PostgresDSN is Postgres, and also returns the new database's DSN, for a
// test that starts another process on the same database.
func PostgresDSN(t testing.TB) (string, *sql.DB) {
	t.Helper()
	server := serverDSN(t, PostgresEnv, startPostgres)
	admin, err := sql.Open("pgx", withPostgresDB(server, "postgres"))
	if err != nil {
		t.Fatalf("testdb: %s: %v", PostgresEnv, err)
	}
	name := randomName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		_ = admin.Close()
		t.Fatalf("testdb: creating PostgreSQL database: %v", err)
	}
	dsn := withPostgresDB(server, name)
	db, err := sql.Open("pgx", dsn)
	t.Cleanup(func() {
		if db != nil {
			_ = db.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE: a connection a failed test left open must not keep the
		// database alive.
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testdb: dropping PostgreSQL database %s: %v", name, err)
		}
		_ = admin.Close()
	})
	if err != nil {
		t.Fatalf("testdb: opening PostgreSQL database: %v", err)
	}
	return dsn, db
}

// withPostgresDB returns dsn naming database name, for both the URL and
// the keyword/value forms.
func withPostgresDB(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	// In the keyword/value form the last occurrence of a keyword wins.
	return dsn + " dbname=" + name
}
