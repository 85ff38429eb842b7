package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// newestVersion is the number of shipped migrations of d.
func newestVersion(t testing.TB, d sqlstore.Dialect) int {
	t.Helper()
	files, err := sqlstore.Migrations(d)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(files, "*.up.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	return len(names)
}

// storeCalls calls every method of the Store once, with valid arguments.
func storeCalls(s *sqlstore.Store) map[string]func(context.Context) error {
	r := seedRecord("org", 1)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return map[string]func(context.Context) error{
		"Create": func(ctx context.Context) error { return s.Create(ctx, r) },
		"Get":    func(ctx context.Context) error { _, err := s.Get(ctx, r.ID); return err },
		"List": func(ctx context.Context) error {
			_, err := s.List(ctx, apikey.ListQuery{OrgID: "org", Limit: 10})
			return err
		},
		"Revoke": func(ctx context.Context) error { _, err := s.Revoke(ctx, "org", r.ID, at); return err },
		"Rotate": func(ctx context.Context) error {
			_, err := s.Rotate(ctx, apikey.Rotation{OrgID: "org", OldID: r.ID, Now: at, GraceUntil: at, New: seedRecord("org", 2)})
			return err
		},
		"RecordUse": func(ctx context.Context) error { return s.RecordUse(ctx, []apikey.Use{{ID: r.ID, At: at}}) },
		"SetTag":    func(ctx context.Context) error { return s.SetTag(ctx, r.ID, "tag") },
		"Changes":   func(ctx context.Context) error { _, _, err := s.Changes(ctx, ""); return err },
		"Events": func(ctx context.Context) error {
			_, err := s.Events(ctx, apikey.EventQuery{OrgID: "org", Limit: 10})
			return err
		},
	}
}

// TestSchemaOutdated opens a store on a database at each schema version
// older than the code's, from none at all: every call and Check fail with
// apikey.ErrSchemaOutdated (never ErrUnavailable) and a message naming the
// versions found and needed and the migrations to apply. On the newest
// version Check passes. Run over every version, it also holds each
// migration's probe to the schema that migration makes.
func TestSchemaOutdated(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		want := newestVersion(t, dialect)
		for found := 0; found <= want; found++ {
			t.Run(fmt.Sprintf("at version %d", found), func(t *testing.T) {
				ctx := t.Context()
				_, db := open(t)
				s, err := sqlstore.New(db, dialect)
				if err != nil {
					t.Fatal(err)
				}
				if found > 0 {
					if err := s.MigrateTo(ctx, found); err != nil {
						t.Fatal(err)
					}
				} else if err := s.MigrateTo(ctx, 0); err == nil || !strings.Contains(err.Error(), "versions start at 1") {
					t.Fatalf("MigrateTo(0) = %v, want an error: versions start at 1", err)
				}
				// A fresh Store: the one that migrated knows its schema.
				s, _ = sqlstore.New(db, dialect)
				if found == want {
					if err := s.Check(ctx); err != nil {
						t.Fatalf("Check on the newest schema: %v", err)
					}
					return
				}
				wantMsg := fmt.Sprintf("needs version %d: run Store.Migrate, or apply migrations %03d..%03d of store/sqlstore/migrations/%v",
					want, found+1, want, dialect)
				if found == 0 {
					wantMsg = "the database has no keyauth schema, this code " + wantMsg
				} else {
					wantMsg = fmt.Sprintf("schema is at version %d, this code %s", found, wantMsg)
				}
				check := func(name string, err error) {
					t.Helper()
					if !errors.Is(err, apikey.ErrSchemaOutdated) || errors.Is(err, apikey.ErrUnavailable) ||
						!strings.Contains(err.Error(), wantMsg) {
						t.Errorf("%s: %v; want apikey.ErrSchemaOutdated saying %q", name, err, wantMsg)
					}
					var se *sqlstore.SchemaError
					if !errors.As(err, &se) || se.Found != found || se.Want != want {
						t.Errorf("%s: %#v, want a SchemaError found %d want %d", name, se, found, want)
					}
				}
				check("Check", s.Check(ctx))
				for name, call := range storeCalls(s) {
					check(name, call(ctx))
				}
				check("Check again", s.Check(ctx))
			})
		}
	})
}

// TestSchemaMigratedWhileRunning: a Store that found the schema outdated
// works as soon as the database is migrated, by another Store or process.
func TestSchemaMigratedWhileRunning(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := t.Context()
		_, db := open(t)
		s, _ := sqlstore.New(db, dialect)
		if err := s.Create(ctx, seedRecord("org", 1)); !errors.Is(err, apikey.ErrSchemaOutdated) {
			t.Fatalf("Create before migrating: %v", err)
		}
		other, _ := sqlstore.New(db, dialect)
		if err := other.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, seedRecord("org", 1)); err != nil {
			t.Fatalf("Create after another Store migrated: %v", err)
		}
	})
}

// TestSchemaDatabaseDown: a database that cannot be reached is an outage,
// not an outdated schema.
func TestSchemaDatabaseDown(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		_, db := open(t)
		s, _ := sqlstore.New(db, dialect)
		db.Close()
		for name, err := range map[string]error{"Check": s.Check(t.Context()), "Get": storeCalls(s)["Get"](t.Context())} {
			if err == nil || errors.Is(err, apikey.ErrSchemaOutdated) {
				t.Errorf("%s on a closed database: %v", name, err)
			}
		}
	})
}

// TestMigrateRecognisesToolSchema applies the shipped files up to each
// version as a migration tool would (statement by statement, recording
// nothing of keyauth's), writes a row, then runs Migrate: it succeeds,
// runs none of the applied files again (their DDL would fail, or lose the
// row), applies the rest, and records every version.
func TestMigrateRecognisesToolSchema(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		want := newestVersion(t, dialect)
		for applied := 1; applied <= want; applied++ {
			t.Run(fmt.Sprintf("tool applied %d", applied), func(t *testing.T) {
				ctx := t.Context()
				_, db := open(t)
				applyFiles(t, db, dialect, applied)
				logs := &lockedBuffer{}
				s, err := sqlstore.NewWithConfig(sqlstore.Config{DB: db, Dialect: dialect, Logger: slog.New(slog.NewTextHandler(logs, nil))})
				if err != nil {
					t.Fatal(err)
				}
				r := seedRecord("org", 1)
				if applied == want {
					if err := s.Create(ctx, r); err != nil {
						t.Fatalf("Create on a schema applied by a tool: %v", err)
					}
				} else {
					bulkInsert(t, db, dialect, []apikey.Record{r})
				}
				for range 2 {
					if err := s.Migrate(ctx); err != nil {
						t.Fatalf("Migrate: %v", err)
					}
				}
				if got := countVersions(t, db); got != want {
					t.Errorf("%d versions recorded, want %d", got, want)
				}
				if !strings.Contains(logs.String(), fmt.Sprintf("schema_found=%d", applied)) {
					t.Errorf("Migrate did not report the version it found:\n%s", logs.String())
				}
				if err := s.Check(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Get(ctx, r.ID); err != nil {
					t.Errorf("the row written before Migrate: %v", err)
				}
			})
		}
	})
}

// applyFiles runs the shipped files of versions 1..last on one connection,
// statement by statement, as a migration tool does.
func applyFiles(t *testing.T, db *sql.DB, dialect sqlstore.Dialect, last int) {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(migrationsDir, dialect.String(), "*.up.sql"))
	if len(paths) < last {
		t.Fatalf("%d migration files, want at least %d", len(paths), last)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, p := range paths[:last] {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for stmt := range strings.SplitSeq(string(b), ";\n") {
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if _, err := conn.ExecContext(t.Context(), stmt); err != nil {
				t.Fatalf("%s: %v\n%s", p, err, stmt)
			}
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
