package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/driive/keyauth/apikey"
)

// probePrefix starts the line of a migration file that holds its probe: a
// query that returns a row, without error, exactly when the migration's
// changes are in the database. Migrate uses the probes to recognise a
// schema that another tool applied, and every Store call checks the newest
// one until it succeeds, so that a missing or outdated schema is reported
// as such instead of as an outage.
const probePrefix = "-- keyauth:probe "

// SchemaError is the error of a Store whose database lacks some of the
// schema the code needs. It matches apikey.ErrSchemaOutdated with
// errors.Is, and names the fix.
type SchemaError struct {
	Dialect Dialect
	// Found is the newest version whose changes, and those of every
	// version before it, are in the database: 0 for none.
	Found int
	// Want is the version the code needs: the newest migration's.
	Want int
}

func (e *SchemaError) Error() string {
	have := fmt.Sprintf("the database's keyauth schema is at version %d", e.Found)
	if e.Found == 0 {
		have = "the database has no keyauth schema"
	}
	return fmt.Sprintf("sqlstore: %s, this code needs version %d: run Store.Migrate, or apply migrations %03d..%03d of store/sqlstore/migrations/%v",
		have, e.Want, e.Found+1, e.Want, e.Dialect)
}

// Unwrap makes the error match apikey.ErrSchemaOutdated.
func (e *SchemaError) Unwrap() error { return apikey.ErrSchemaOutdated }

// Check reports whether the database holds the schema this code needs: it
// returns nil, a *SchemaError (errors.Is apikey.ErrSchemaOutdated) naming
// the versions to apply, or the error of a database it could not query. A
// service calls it at start, after migrating, to fail fast; without it the
// first Store call finds out. It changes nothing.
func (s *Store) Check(ctx context.Context) error {
	ms, err := migrationsOf(s.d)
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return wrap("checking the schema", err)
	}
	defer conn.Close()
	found, err := s.foundVersion(ctx, conn, ms)
	if err != nil {
		return err
	}
	if want := ms[len(ms)-1].version; found < want {
		return &SchemaError{Dialect: s.d, Found: found, Want: want}
	}
	s.schemaOK.Store(true)
	return nil
}

// ready is the schema check at the top of every Store call: once the
// newest migration's probe has succeeded it costs an atomic load; until
// then each call probes again, so that a schema migrated while the process
// runs is picked up.
func (s *Store) ready(ctx context.Context) error {
	if s.schemaOK.Load() {
		return nil
	}
	ms, err := migrationsOf(s.d)
	if err != nil {
		return err
	}
	newest := ms[len(ms)-1]
	ok, err := s.probe(ctx, s.db, newest)
	if err != nil {
		return err
	}
	if ok {
		s.schemaOK.Store(true)
		return nil
	}
	return s.Check(ctx)
}

// foundVersion probes the migrations in order and returns the last
// version of the unbroken run whose probes succeed.
func (s *Store) foundVersion(ctx context.Context, db rowQuerier, ms []migration) (int, error) {
	found := 0
	for _, m := range ms {
		ok, err := s.probe(ctx, db, m)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		found = m.version
	}
	return found, nil
}

// probe runs m's probe. A missing table or column is a "no"; any other
// failure is the database's, returned as it is.
func (s *Store) probe(ctx context.Context, db rowQuerier, m migration) (bool, error) {
	rows, err := db.QueryContext(ctx, m.probe)
	if err != nil {
		if isMissingObject(s.d, err) {
			return false, nil
		}
		return false, wrap("checking the schema ("+m.name+")", err)
	}
	defer rows.Close()
	found := rows.Next()
	if err := rows.Err(); err != nil {
		if isMissingObject(s.d, err) {
			return false, nil
		}
		return false, wrap("checking the schema ("+m.name+")", err)
	}
	return found, nil
}

// isMissingObject reports whether err says that a table or column does not
// exist, in the terms of the dialect's usual drivers (not imported: pgx
// and lib/pq expose SQLState, go-sql-driver/mysql only its text,
// modernc.org/sqlite its message).
func isMissingObject(d Dialect, err error) bool {
	switch d {
	case Postgres:
		var e interface{ SQLState() string }
		if errors.As(err, &e) {
			switch e.SQLState() {
			case "42P01", "42703": // undefined_table, undefined_column
				return true
			}
		}
	case MySQL:
		for e := err; e != nil; e = errors.Unwrap(e) {
			// ER_NO_SUCH_TABLE, ER_BAD_FIELD_ERROR
			if msg := e.Error(); strings.HasPrefix(msg, "Error 1146") || strings.HasPrefix(msg, "Error 1054") {
				return true
			}
		}
	case SQLite:
		msg := err.Error()
		return strings.Contains(msg, "no such table") || strings.Contains(msg, "no such column")
	}
	return false
}

// recognise finds the version of a schema that was applied without
// Migrate (by goose or golang-migrate, say): the versions up to it that
// keyauth_schema_version lacks are recorded without running them again.
// It logs what it found before Migrate changes anything.
func (s *Store) recognise(ctx context.Context, db rowQuerier, ms []migration, applied map[int]bool) (int, error) {
	missing := false
	for _, m := range ms {
		if !applied[m.version] {
			missing = true
		}
	}
	if !missing {
		return 0, nil
	}
	found, err := s.foundVersion(ctx, db, ms)
	if err != nil {
		return 0, err
	}
	recorded := 0
	for _, m := range ms {
		if applied[m.version] {
			recorded = m.version
		}
	}
	want := ms[len(ms)-1].version
	s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "sqlstore: migrating",
		slog.String("dialect", s.d.String()), slog.Int("schema_found", found),
		slog.Int("recorded", recorded), slog.Int("target", want))
	return found, nil
}
