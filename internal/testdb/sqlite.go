package testdb

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"
)

// SQLite returns a connection to a fresh SQLite database in t.TempDir(),
// in WAL mode with a busy timeout, so that several connections (and
// processes) can use it at once.
func SQLite(t testing.TB) *sql.DB {
	t.Helper()
	_, db := SQLiteDSN(t)
	return db
}

// SQLiteDSN is SQLite, and also returns the DSN (for the
// github.com/ncruces/go-sqlite3 driver, name "sqlite3").
func SQLiteDSN(t testing.TB) (string, *sql.DB) {
	t.Helper()
	dsn := SQLiteFileDSN(filepath.Join(t.TempDir(), "keyauth.db"))
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatalf("testdb: opening SQLite database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// Create the file now, in WAL mode: switching a new database's journal
	// to WAL takes an exclusive lock that SQLite does not wait for (no
	// busy timeout), so pools that open the DSN at once, each switching,
	// could fail with "database is locked". Once the file is in WAL mode,
	// the pragma changes nothing and takes no lock.
	if err := db.Ping(); err != nil {
		t.Fatalf("testdb: creating SQLite database: %v", err)
	}
	return dsn, db
}

// SQLiteFileDSN returns the DSN that SQLite uses for the file at path: WAL
// journal, 10 s busy timeout, foreign keys on.
func SQLiteFileDSN(path string) string {
	return "file:" + filepath.ToSlash(path) +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)"
}
