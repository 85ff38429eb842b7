package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/driive/keyauth/apikey"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/ncruces/go-sqlite3/driver"
)

// maxIdleConns is how many database connections stay open between
// requests; more than the concurrent requests of a busy server is waste.
const maxIdleConns = 16

// database is the open -db: the pool, the key store on it, and the SQL of
// the example's own tables.
type database struct {
	db      *sql.DB
	dialect dialect
	keys    apikey.Store
	q       *queries
}

// openDatabase connects, then brings the key tables and the example's
// tables up to date. Both the CLI and the server call it, so either may be
// the first to touch a new database.
func openDatabase(ctx context.Context, src dataSource) (*database, error) {
	db, err := sql.Open(src.driver, src.dsn)
	if err != nil {
		return nil, fmt.Errorf("opening the %s database: %w", src.dialect, err)
	}
	// database/sql keeps 2 idle connections by default: under concurrent
	// requests every other query opened a new one (for SQLite: pragmas and
	// a schema read; for PostgreSQL: a new backend), a fifth of the
	// server's CPU under load.
	db.SetMaxIdleConns(maxIdleConns)
	d := &database{db: db, dialect: src.dialect}
	switch src.dialect {
	case dialectPostgres:
		d.q = postgresQueries
	case dialectMySQL:
		d.q = mysqlQueries
	default:
		d.q = sqliteQueries
	}
	if err := d.init(ctx); err != nil {
		_ = db.Close() // the error that stopped the start is the one to report
		return nil, err
	}
	return d, nil
}

func (d *database) init(ctx context.Context) error {
	if err := d.db.PingContext(ctx); err != nil {
		return fmt.Errorf("connecting to the %s database: %w", d.dialect, err)
	}
	keys, err := newKeyStore(ctx, d.db, d.dialect)
	if err != nil {
		return fmt.Errorf("preparing the key tables: %w", err)
	}
	d.keys = keys
	if err := migrate(ctx, d.db, d.dialect); err != nil {
		return fmt.Errorf("preparing the driive tables: %w", err)
	}
	return nil
}

func (d *database) Close() error { return d.db.Close() }

// sqliteTime is the layout of times in SQLite: fixed width, so that text
// order is time order.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// bindTime converts t to what the dialect stores: UTC, microseconds.
func (d *database) bindTime(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.dialect == dialectSQLite {
		return t.Format(sqliteTime)
	}
	return t
}

// dbTime scans a time column of any dialect into UTC.
type dbTime struct{ t time.Time }

func (v *dbTime) Scan(src any) error {
	switch x := src.(type) {
	case time.Time:
		v.t = x.UTC()
		return nil
	case string:
		return v.parse(x)
	case []byte:
		return v.parse(string(x))
	}
	return fmt.Errorf("driive: cannot read a time from %T", src)
}

func (v *dbTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("driive: stored time %q: %w", s, err)
	}
	v.t = t.UTC()
	return nil
}

// nullString converts an optional value to a column value.
func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func stringPtr(ns sql.NullString) *string {
	if !ns.Valid {
		return nil
	}
	return &ns.String
}

// errNoRow is returned by the example's queries for a missing row; the
// HTTP layer answers 404.
var errNoRow = errors.New("not found")

func (d *database) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return inTx(ctx, d.db, fn)
}
