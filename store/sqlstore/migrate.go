package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// migrationFiles holds migrations/<dialect>/NNN_name.up.sql: the same
// files that teams using their own migration tool apply. The names are
// golang-migrate's; goose reads the same files (its version is the number
// before the first "_", its annotation is in each file). There are no
// .down.sql files: goose would take one for a second migration of the
// same version.
//
//go:embed migrations
var migrationFiles embed.FS

// migrationSuffix ends every migration file's name.
const migrationSuffix = ".up.sql"

// Migrations returns the schema migrations of a dialect, as files named
// NNN_name.up.sql, for tools that apply them themselves (golang-migrate,
// goose: see migrations/README.md).
func Migrations(d Dialect) (fs.FS, error) {
	if !d.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %v", d)
	}
	return fs.Sub(migrationFiles, "migrations/"+d.String())
}

type migration struct {
	version    int
	name       string
	statements []string
	probe      string // see probePrefix
}

// loaded holds each dialect's migrations, read once from the embedded
// files.
var loaded = [...]func() ([]migration, error){
	Postgres: sync.OnceValues(func() ([]migration, error) { return loadMigrations(Postgres) }),
	MySQL:    sync.OnceValues(func() ([]migration, error) { return loadMigrations(MySQL) }),
	SQLite:   sync.OnceValues(func() ([]migration, error) { return loadMigrations(SQLite) }),
}

// migrationsOf returns the migrations of d, oldest first; there is at
// least one.
func migrationsOf(d Dialect) ([]migration, error) {
	ms, err := loaded[d]()
	if err != nil {
		return nil, wrap("loading migrations", err)
	}
	return ms, nil
}

func loadMigrations(d Dialect) ([]migration, error) {
	dir := "migrations/" + d.String()
	entries, err := migrationFiles.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		v, ok := migrationVersion(e.Name())
		if !ok {
			return nil, fmt.Errorf("sqlstore: migration file %s is not named NNN_name%s", e.Name(), migrationSuffix)
		}
		b, err := migrationFiles.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		probe := probeOf(string(b))
		if probe == "" {
			return nil, fmt.Errorf("sqlstore: migration file %s has no %q line", e.Name(), strings.TrimSpace(probePrefix))
		}
		ms = append(ms, migration{version: v, name: e.Name(), statements: splitStatements(string(b)), probe: probe})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("sqlstore: no migration files for %v", d)
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	return ms, nil
}

// migrationVersion returns the version of a file named NNN_name.up.sql.
func migrationVersion(file string) (int, bool) {
	num, rest, ok := strings.Cut(file, "_")
	if !ok || !strings.HasSuffix(rest, migrationSuffix) || len(rest) == len(migrationSuffix) {
		return 0, false
	}
	v, err := strconv.Atoi(num)
	return v, err == nil && v > 0
}

// probeOf returns the query of a migration file's probe line.
func probeOf(text string) string {
	for line := range strings.Lines(text) {
		if q, ok := strings.CutPrefix(strings.TrimSpace(line), strings.TrimSpace(probePrefix)+" "); ok {
			return strings.TrimSpace(q)
		}
	}
	return ""
}

// splitStatements splits a migration file into statements: comment lines
// are dropped and a statement ends with a line ending in ";". The files
// are written for this (no semicolon inside a literal).
func splitStatements(text string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(text) {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			// A line of only ";" ends an empty statement: nothing to run.
			if stmt := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")); stmt != "" {
				out = append(out, stmt)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Migrate brings the schema to the version this package needs. It is
// idempotent, and safe when several processes run it at once: they take
// a lock (pg_advisory_lock on PostgreSQL, GET_LOCK on MySQL, a write
// transaction on SQLite) and apply each version once, recording it in the
// keyauth_schema_version table. On MySQL it first checks the connection's
// time handling (parseTime=true, loc=UTC).
//
// A schema applied from the files of [Migrations] by another tool
// (golang-migrate, goose) is recognised: before it changes anything,
// Migrate probes which versions are in the database (each file's
// "keyauth:probe" query), logs the version found to Config.Logger, and
// records those versions without running them again; only newer ones are
// applied.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateTo(ctx, int(^uint(0)>>1))
}

// MigrateTo is Migrate up to and including version last: a staged
// upgrade applies the schema of the next release before its code is
// deployed, and a test builds a database as an older release left it.
// Versions newer than last are left out; a database already past last is
// left as it is (migrations only move forward). Until every version is
// applied, the store answers with the error of an outdated schema
// ([apikey.ErrSchemaOutdated]), as [Store.Check] reports.
func (s *Store) MigrateTo(ctx context.Context, last int) error {
	if last < 1 {
		return fmt.Errorf("sqlstore: MigrateTo(%d): versions start at 1", last)
	}
	return s.migrateTo(ctx, last)
}

// migrateTo is MigrateTo without the check of last.
func (s *Store) migrateTo(ctx context.Context, last int) error {
	all, err := migrationsOf(s.d)
	if err != nil {
		return err
	}
	var ms []migration
	for _, m := range all {
		if m.version <= last {
			ms = append(ms, m)
		}
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return wrap("migrating", err)
	}
	defer conn.Close()
	if err := s.migrateConn(ctx, conn, ms); err != nil {
		return err
	}
	if len(ms) == len(all) {
		s.schemaOK.Store(true)
	}
	return nil
}

func (s *Store) migrateConn(ctx context.Context, conn *sql.Conn, ms []migration) error {
	switch s.d {
	case Postgres:
		return s.migrateLocked(ctx, conn, ms,
			"SELECT 1 FROM (SELECT pg_advisory_lock(7283952026)) l", "SELECT pg_advisory_unlock(7283952026)",
			`CREATE TABLE IF NOT EXISTS keyauth_schema_version (version INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`,
			`INSERT INTO keyauth_schema_version (version, name, applied_at) VALUES ($1, $2, $3)`, true)
	case MySQL:
		if err := checkMySQLTimes(ctx, conn); err != nil {
			return err
		}
		return s.migrateLocked(ctx, conn, ms,
			// The lock is named after the database, so that migrations of
			// other databases on the server do not wait for this one.
			"SELECT GET_LOCK(CONCAT('keyauth_migrate.', DATABASE()), 60)", "SELECT RELEASE_LOCK(CONCAT('keyauth_migrate.', DATABASE()))",
			`CREATE TABLE IF NOT EXISTS keyauth_schema_version (version INT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at DATETIME(6) NOT NULL) ENGINE=InnoDB`,
			`INSERT INTO keyauth_schema_version (version, name, applied_at) VALUES (?, ?, ?)`, false)
	default:
		return s.migrateSQLite(ctx, conn, ms)
	}
}

// migrateLocked holds a session lock while it applies what is missing.
// With transactionalDDL each version is applied in a transaction;
// otherwise (MySQL) the statements are written to be re-run safely.
func (s *Store) migrateLocked(ctx context.Context, conn *sql.Conn, ms []migration, lock, unlock, createVersions, insertVersion string, transactionalDDL bool) (err error) {
	// pg_advisory_lock returns void and waits as long as needed; GET_LOCK
	// returns 1 once granted, 0 after its timeout.
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, lock).Scan(&got); err != nil {
		return wrap("migrating: taking the migration lock", err)
	}
	if s.d == MySQL && got.Int64 != 1 {
		return wrap("migrating", fmt.Errorf("the migration lock was not granted within 60s"))
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx ended.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, uerr := conn.ExecContext(uctx, unlock); uerr != nil && err == nil {
			err = wrap("migrating: releasing the migration lock", uerr)
		}
	}()
	if _, err := conn.ExecContext(ctx, createVersions); err != nil {
		return wrap("migrating: creating keyauth_schema_version", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	found, err := s.recognise(ctx, conn, ms, applied)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if err := s.apply(ctx, conn, m, insertVersion, transactionalDDL, m.version > found); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m's statements, when run is set, and records its version;
// a version found applied by another tool is only recorded.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration, insertVersion string, transactional, run bool) error {
	doing := "migrating: applying " + m.name
	if !run {
		doing = "migrating: recording " + m.name + ", found applied"
	}
	type execer interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	}
	var db execer = conn
	var tx *sql.Tx
	if transactional {
		var err error
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return wrap(doing, err)
		}
		defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
		db = tx
	}
	for _, stmt := range m.statements {
		if !run {
			break
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return wrap(doing, err)
		}
	}
	if _, err := db.ExecContext(ctx, insertVersion, m.version, m.name, s.timeArg(s.now())); err != nil {
		return wrap(doing+": recording the version", err)
	}
	if tx != nil {
		if err := tx.Commit(); err != nil {
			return wrap(doing+": committing", err)
		}
	}
	return nil
}

type rowQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func appliedVersions(ctx context.Context, db rowQuerier) (map[int]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT version FROM keyauth_schema_version")
	if err != nil {
		return nil, wrap("migrating: reading keyauth_schema_version", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, wrap("migrating: reading keyauth_schema_version", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("migrating: reading keyauth_schema_version", err)
	}
	return applied, nil
}

// migrateSQLite runs everything in one BEGIN IMMEDIATE transaction: SQLite
// has one writer at a time, so a second process waits (busy_timeout) and
// then finds the versions applied.
func (s *Store) migrateSQLite(ctx context.Context, conn *sql.Conn, ms []migration) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return wrap("migrating: beginning a write transaction", err)
	}
	defer func() {
		if err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(rctx, "ROLLBACK") // the error that matters is err
		}
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS keyauth_schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return wrap("migrating: creating keyauth_schema_version", err)
	}
	applied, err := appliedVersions(ctx, conn)
	if err != nil {
		return err
	}
	found, err := s.recognise(ctx, conn, ms, applied)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		for _, stmt := range m.statements {
			if m.version <= found {
				break // applied by another tool: only recorded
			}
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return wrap("migrating: applying "+m.name, err)
			}
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO keyauth_schema_version (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, s.timeArg(s.now())); err != nil {
			return wrap("migrating: recording "+m.name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return wrap("migrating: committing", err)
	}
	return nil
}
