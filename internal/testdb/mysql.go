package testdb

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL returns a connection to a fresh MySQL/MariaDB database (with
// parseTime=true), dropped when t ends.
func MySQL(t testing.TB) *sql.DB {
	t.Helper()
	_, db := MySQLDSN(t)
	return db
}

// MySQLDSN is MySQL, and also returns the new database's DSN (in the
// go-sql-driver/mysql form, with parseTime=true).
func MySQLDSN(t testing.TB) (string, *sql.DB) {
	t.Helper()
	server := serverDSN(t, MySQLEnv, startMySQL)
	cfg, err := mysql.ParseDSN(server)
	if err != nil {
		t.Fatalf("testdb: %s: %v", MySQLEnv, err)
	}
	cfg.DBName = ""
	cfg.ParseTime = true
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("testdb: %s: %v", MySQLEnv, err)
	}
	name := randomName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		_ = admin.Close()
		t.Fatalf("testdb: creating MySQL database: %v", err)
	}
	cfg.DBName = name
	dsn := cfg.FormatDSN()
	db, err := sql.Open("mysql", dsn)
	t.Cleanup(func() {
		if db != nil {
			_ = db.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("testdb: dropping MySQL database %s: %v", name, err)
		}
		_ = admin.Close()
	})
	if err != nil {
		t.Fatalf("testdb: opening MySQL database: %v", err)
	}
	return dsn, db
}
