package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// dialect names the SQL database behind a -db value.
type dialect int

const (
	dialectSQLite dialect = iota + 1
	dialectPostgres
	dialectMySQL
)

func (d dialect) String() string {
	switch d {
	case dialectSQLite:
		return "sqlite"
	case dialectPostgres:
		return "postgres"
	case dialectMySQL:
		return "mysql"
	}
	return "unknown"
}

// dataSource is a parsed -db value: which database/sql driver to open, and
// with what driver-specific DSN.
type dataSource struct {
	dialect dialect
	driver  string // database/sql driver name
	dsn     string // driver-specific; may hold a password: never print it
}

const defaultDB = "sqlite:driive.db"

var errBadDSN = errors.New("-db must be sqlite:PATH, postgres://... or mysql://user:pass@host:port/db")

// parseDSN reads the -db forms of docs/example-server.md:
//
//	sqlite:PATH
//	postgres://... (or postgresql://...), passed to pgx as is
//	mysql://user:pass@host:port/db?param=value
//
// Errors never quote the value: it may contain a password.
func parseDSN(s string) (dataSource, error) {
	switch {
	case strings.HasPrefix(s, "sqlite:"):
		return sqliteSource(strings.TrimPrefix(s, "sqlite:"))
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return dataSource{}, fmt.Errorf("%w (the postgres URL does not parse)", errBadDSN)
		}
		return dataSource{dialect: dialectPostgres, driver: "pgx", dsn: s}, nil
	case strings.HasPrefix(s, "mysql://"):
		return mysqlSource(s)
	}
	return dataSource{}, errBadDSN
}

// sqliteSource opens the file in WAL mode with a busy timeout, so that the
// keys CLI and a running server can use one file at the same time, and
// starts write transactions at once (BEGIN IMMEDIATE): a transaction that
// read first and then upgraded to write could fail with "database is
// locked" without waiting.
func sqliteSource(path string) (dataSource, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return dataSource{}, fmt.Errorf("%w (sqlite: needs a file path without ? or #)", errBadDSN)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return dataSource{dialect: dialectSQLite, driver: "sqlite3", dsn: "file:" + path + "?" + q.Encode()}, nil
}

// mysqlSource converts mysql://user:pass@host:port/db?params into the form
// of github.com/go-sql-driver/mysql, with UTC times parsed into time.Time.
func mysqlSource(s string) (dataSource, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return dataSource{}, fmt.Errorf("%w (the mysql URL does not parse)", errBadDSN)
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return dataSource{}, fmt.Errorf("%w (the mysql URL needs a database name)", errBadDSN)
	}
	addr := u.Host
	if u.Port() == "" {
		addr += ":3306"
	}
	// The driver's own parser reads its parameters (tls, charset, ...);
	// user and password come from the URL, percent-decoded.
	cfg, err := mysql.ParseDSN("tcp(" + addr + ")/" + db + "?" + u.RawQuery)
	if err != nil {
		return dataSource{}, fmt.Errorf("%w (the mysql URL's parameters do not parse)", errBadDSN)
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	return dataSource{dialect: dialectMySQL, driver: "mysql", dsn: cfg.FormatDSN()}, nil
}
