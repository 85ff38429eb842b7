package sqlstore_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/store/sqlstore"
)

func TestNewValidates(t *testing.T) {
	db := &sql.DB{}
	for _, tc := range []struct {
		name string
		cfg  sqlstore.Config
	}{
		{"nil DB", sqlstore.Config{Dialect: sqlstore.Postgres}},
		{"no dialect", sqlstore.Config{DB: db}},
		{"unknown dialect", sqlstore.Config{DB: db, Dialect: 9}},
		{"negative retention", sqlstore.Config{DB: db, Dialect: sqlstore.SQLite, Retention: -1}},
		{"retention under twice the gap timeout", sqlstore.Config{DB: db, Dialect: sqlstore.SQLite, Retention: time.Minute, GapTimeout: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sqlstore.NewWithConfig(tc.cfg); err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := sqlstore.New(db, sqlstore.MySQL); err != nil {
		t.Fatalf("New: %v", err)
	}
}

func TestDialectString(t *testing.T) {
	for d, want := range map[sqlstore.Dialect]string{sqlstore.Postgres: "postgres", sqlstore.MySQL: "mysql", sqlstore.SQLite: "sqlite", 0: "Dialect(0)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
}

func TestCheckMySQLDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn string
		ok  bool
	}{
		{"root@tcp(127.0.0.1:3306)/keyauth?parseTime=true", true},
		{"u:p@tcp(h:3306)/db?charset=utf8mb4&parseTime=1&loc=UTC", true},
		{"root@tcp(127.0.0.1:3306)/keyauth", false},
		{"root@tcp(127.0.0.1:3306)/keyauth?parseTime=false", false},
		{"root@tcp(127.0.0.1:3306)/keyauth?parseTime=true&loc=Local", false},
	} {
		t.Run(tc.dsn, func(t *testing.T) {
			err := sqlstore.CheckMySQLDSN(tc.dsn)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckMySQLDSN = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "parseTime") && !strings.Contains(err.Error(), "loc") {
				t.Fatalf("error does not say what to fix: %v", err)
			}
		})
	}
}
