package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/testdb"
	"github.com/driive/keyauth/store/sqlstore"
)

func countVersions(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM keyauth_schema_version").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMigrateConcurrently runs Migrate from several connection pools (as
// several processes would) at once, then again: every run succeeds and
// each version is applied once.
func TestMigrateConcurrently(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn, db := d.open(t)
			files, err := sqlstore.Migrations(d.dialect)
			if err != nil {
				t.Fatal(err)
			}
			names, err := fs.Glob(files, "*.sql")
			if err != nil || len(names) == 0 {
				t.Fatalf("Migrations: %v %v", names, err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				pool := openDB(t, d.driver, dsn)
				wg.Go(func() {
					s, err := sqlstore.New(pool, d.dialect)
					if err == nil {
						err = s.Migrate(context.Background())
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Migrate %d: %v", i, err)
				}
			}
			s, _ := sqlstore.New(db, d.dialect)
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
			if got := countVersions(t, db); got != len(names) {
				t.Fatalf("%d versions recorded, want %d", got, len(names))
			}
			if err := s.Create(context.Background(), seedRecord("org", 1)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPlainMigrationFiles applies the shipped .sql files the way another
// migration tool would, statement by statement, and uses the Store on the
// result without calling Migrate.
func TestPlainMigrationFiles(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		_, db := open(t)
		paths, _ := filepath.Glob(filepath.Join(migrationsDir, dialect.String(), "*.up.sql"))
		if len(paths) == 0 {
			t.Fatal("no migration files")
		}
		// One connection, as a migration tool runs a file: the MySQL files
		// keep a statement in a session variable.
		applyFiles(t, db, dialect, len(paths))
		s, _ := sqlstore.New(db, dialect)
		r := seedRecord("org", 1)
		if err := s.Create(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(context.Background(), r.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMigrationKeepsExistingRows builds a database as version 1 of the
// schema left it, with keys in it, then migrates: the keys come back with
// no tag, no creator and no rotation, take a tag with SetTag, and a second
// Migrate changes nothing.
func TestMigrationKeepsExistingRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := t.Context()
		_, db := open(t)
		s, err := sqlstore.New(db, dialect)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MigrateTo(ctx, 1); err != nil {
			t.Fatal(err)
		}
		old := []apikey.Record{seedRecord("org", 1), seedRecord("org", 2)}
		bulkInsert(t, db, dialect, old) // the columns of version 1 only
		for range 2 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := countVersions(t, db); got != 3 {
			t.Fatalf("%d versions recorded, want 3", got)
		}
		for _, r := range old {
			got, err := s.Get(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := r
			want.Tag = "" // version 1 had no tag column
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("row of version 1 after the migration differs (-want +got):\n%s", d)
			}
		}
		if err := s.SetTag(ctx, old[0].ID, "t1:abc"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, old[0].ID); err != nil || got.Tag != "t1:abc" {
			t.Fatalf("after SetTag: tag %q, %v", got.Tag, err)
		}
		if got, err := s.Get(ctx, old[1].ID); err != nil || got.Tag != "" {
			t.Fatalf("the other row: tag %q, %v", got.Tag, err)
		}
	})
}

func stripComments(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// rawTimeSQL reads created_at as text in UTC, from the database itself.
var rawTimeSQL = map[sqlstore.Dialect]string{
	sqlstore.Postgres: `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM keyauth_keys WHERE id = $1`,
	sqlstore.MySQL:    `SELECT DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s.%f') FROM keyauth_keys WHERE id = ?`,
	sqlstore.SQLite:   `SELECT strftime('%Y-%m-%d %H:%M:%S', created_at / 1000000, 'unixepoch') || '.' || printf('%06d', created_at % 1000000) FROM keyauth_keys WHERE id = ?`,
}

// TestTimesUTCMicroseconds stores times given in other zones and checks
// both what the database holds and what comes back.
func TestTimesUTCMicroseconds(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := context.Background()
		s, db := newStore(t, dialect, open)
		zone := time.FixedZone("UTC+5:30", 5*3600+1800)
		created := time.Date(2031, 12, 31, 23, 59, 59, 999999000, time.UTC).In(zone)
		r := seedRecord("org", 1)
		r.CreatedAt = created
		r.ExpiresAt = created.Add(time.Microsecond)
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := db.QueryRowContext(ctx, rawTimeSQL[dialect], r.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if raw != "2031-12-31 23:59:59.999999" {
			t.Fatalf("stored created_at = %q, want 2031-12-31 23:59:59.999999 (UTC)", raw)
		}
		got, err := s.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for name, pair := range map[string][2]time.Time{"CreatedAt": {got.CreatedAt, created}, "ExpiresAt": {got.ExpiresAt, r.ExpiresAt}} {
			if pair[0].Location() != time.UTC || !pair[0].Equal(pair[1]) {
				t.Errorf("%s = %v, want %v in UTC", name, pair[0], pair[1].UTC())
			}
		}
		if !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() {
			t.Errorf("unset times came back as %v, %v", got.LastUsedAt, got.RevokedAt)
		}
	})
}

// TestNothingHalfWritten: a Rotate that fails at any step leaves the old
// key, the keys table and the change feed as they were.
func TestNothingHalfWritten(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := context.Background()
		s, _ := newStore(t, dialect, open)
		old, taken, revoked := seedRecord("org", 1), seedRecord("org", 2), seedRecord("org", 3)
		old.ExpiresAt = t0.Add(48 * time.Hour)
		for _, r := range []apikey.Record{old, taken, revoked} {
			if err := s.Create(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Revoke(ctx, "org", revoked.ID, t0); err != nil {
			t.Fatal(err)
		}
		_, cursor := mustChanges(t, s, "")
		fresh := seedRecord("org", 4)
		for _, tc := range []struct {
			name string
			rot  apikey.Rotation
			want error
		}{
			{"new id taken", apikey.Rotation{OrgID: "org", OldID: old.ID, Now: t0, GraceUntil: t0.Add(time.Hour), New: taken}, apikey.ErrAlreadyExists},
			{"old key revoked", apikey.Rotation{OrgID: "org", OldID: revoked.ID, Now: t0, GraceUntil: t0, New: fresh}, apikey.ErrKeyRevoked},
			{"old key expired", apikey.Rotation{OrgID: "org", OldID: old.ID, Now: old.ExpiresAt, GraceUntil: t0, New: fresh}, apikey.ErrKeyExpired},
			{"old key of another org", apikey.Rotation{OrgID: "other", OldID: old.ID, Now: t0, GraceUntil: t0, New: fresh}, apikey.ErrNotFound},
			{"old key missing", apikey.Rotation{OrgID: "org", OldID: "nosuchkey000", Now: t0, GraceUntil: t0, New: fresh}, apikey.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.Rotate(ctx, tc.rot); !errors.Is(err, tc.want) {
					t.Fatalf("Rotate = %v, want %v", err, tc.want)
				}
				got, err := s.Get(ctx, old.ID)
				if err != nil || !got.ExpiresAt.Equal(old.ExpiresAt) {
					t.Fatalf("old key afterwards: expiry %v (%v), want %v", got.ExpiresAt, err, old.ExpiresAt)
				}
				if _, err := s.Get(ctx, fresh.ID); !errors.Is(err, apikey.ErrNotFound) {
					t.Fatalf("new key afterwards: %v, want ErrNotFound", err)
				}
				if got, _ := mustChanges(t, s, cursor); len(got) != 0 {
					t.Fatalf("change feed afterwards: %v, want nothing", got)
				}
			})
		}
	})
}

func TestErrorsMapToSentinels(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		ctx := context.Background()
		s, _ := newStore(t, dialect, open)
		r := seedRecord("org", 1)
		if err := s.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		sameIDOtherCase := seedRecord("org", 2)
		sameIDOtherCase.ID = strings.ToUpper(r.ID)
		for _, tc := range []struct {
			name string
			err  error
			want error
		}{
			{"Create of a taken id", s.Create(ctx, r), apikey.ErrAlreadyExists},
			{"Get of a missing id", second(s.Get(ctx, "nosuchkey000")), apikey.ErrNotFound},
			{"Revoke in another org", second(s.Revoke(ctx, "other", r.ID, t0)), apikey.ErrNotFound},
			{"Revoke of a missing id", second(s.Revoke(ctx, "org", "nosuchkey000", t0)), apikey.ErrNotFound},
			{"List with limit 0", second(s.List(ctx, apikey.ListQuery{OrgID: "org"})), apikey.ErrInvalidArgument},
			{"Create of an id differing in case only", s.Create(ctx, sameIDOtherCase), nil},
		} {
			if !errors.Is(tc.err, tc.want) || (tc.want == nil && tc.err != nil) {
				t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

// TestRecordUseConcurrentFlushes: two instances write overlapping batches
// (more than one statement's worth) at once, in both orders of time; the
// later time wins for every key, with a bounded number of statements.
func TestRecordUseConcurrentFlushes(t *testing.T) {
	for _, d := range databases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn, db := d.open(t)
			s, _ := newStore(t, d.dialect, func(testing.TB) (string, *sql.DB) { return dsn, db })
			const n = 1100 // two statements' worth
			recs := make([]apikey.Record, n)
			for i := range recs {
				recs[i] = seedRecord("org", i)
			}
			bulkInsert(t, db, d.dialect, recs)
			countingDB, count := openCounting(t, d.driver, dsn)
			other, _ := sqlstore.New(countingDB, d.dialect)
			// A Store checks the schema before its first call: done here,
			// outside the count.
			if err := other.Check(ctx); err != nil {
				t.Fatal(err)
			}
			count.Store(0)
			early, late := t0.Add(time.Hour), t0.Add(2*time.Hour)
			batch := func(evenLate bool) []apikey.Use {
				uses := make([]apikey.Use, n)
				for i, r := range recs {
					at := early
					if (i%2 == 0) == evenLate {
						at = late
					}
					uses[i] = apikey.Use{ID: r.ID, At: at}
				}
				return append(uses, apikey.Use{ID: "nosuchkey000", At: late})
			}
			for round := range 3 {
				var wg sync.WaitGroup
				var err1, err2 error
				wg.Go(func() { err1 = s.RecordUse(ctx, batch(true)) })
				wg.Go(func() { err2 = other.RecordUse(ctx, batch(false)) })
				wg.Wait()
				if err1 != nil || err2 != nil {
					t.Fatalf("round %d: %v / %v", round, err1, err2)
				}
			}
			if got := count.Load(); got != 3*2 {
				t.Errorf("3 flushes of %d uses took %d statements, want 6", n+1, got)
			}
			// An older time afterwards changes nothing.
			if err := s.RecordUse(ctx, []apikey.Use{{ID: recs[0].ID, At: t0}}); err != nil {
				t.Fatal(err)
			}
			for _, r := range []apikey.Record{recs[0], recs[1], recs[n-1]} {
				got, err := s.Get(ctx, r.ID)
				if err != nil || !got.LastUsedAt.Equal(late) {
					t.Fatalf("%s: LastUsedAt %v (%v), want %v", r.ID, got.LastUsedAt, err, late)
				}
			}
		})
	}
}

// TestMySQLRefusesConnectionWithoutParseTime: Migrate checks the open
// connection, whatever DSN helper was (not) used.
func TestMySQLRefusesConnectionWithoutParseTime(t *testing.T) {
	dsn, _ := testdb.MySQLDSN(t)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*mysql.Config){
		"parseTime=false":  func(c *mysql.Config) { c.ParseTime = false },
		"loc=Europe/Paris": func(c *mysql.Config) { c.Loc = paris },
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatal(err)
			}
			change(cfg)
			s, err := sqlstore.New(openDB(t, "mysql", cfg.FormatDSN()), sqlstore.MySQL)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Migrate(context.Background())
			if err == nil || !(strings.Contains(err.Error(), "parseTime=true") || strings.Contains(err.Error(), "loc=UTC")) {
				t.Fatalf("Migrate = %v, want a refusal naming parseTime=true or loc=UTC", err)
			}
		})
	}
}
