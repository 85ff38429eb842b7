package sqlstore

// Fault paths, with a scripted driver (fakedb_internal_test.go) matching
// every statement exactly: each
// statement of each operation fails in turn (exec, query, row, scan,
// commit), and the error must come back wrapped, with the transaction
// rolled back so that nothing is half-written. Internal, to reuse the
// dialects' statements rather than copy them.

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

var errBoom = errors.New("boom: the driver failed")

var mockNow = time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)

type step struct {
	name  string
	ok    func(m *fakeDB, q *queries)
	fails map[string]func(m *fakeDB, q *queries)
}

type operation struct {
	name  string
	tx    bool // steps run between Begin and Commit
	steps []step
	call  func(s *Store) error
}

func keyRow(q *queries) *fakeRows {
	return newFakeRows(strings.Split(keyColumns, ", ")).
		AddRow("abcdefghijkl", "org", "name", "dk_abcdefghijkl", "read", "hash", mockNow, nil, nil, nil, nil, nil, nil, nil)
}

func badKeyRow() *fakeRows {
	return newFakeRows(strings.Split(keyColumns, ", ")).
		AddRow("abcdefghijkl", "org", "name", "dk_abcdefghijkl", "read", "hash", true, nil, nil, nil, nil, nil, nil, nil)
}

func execStep(name string, stmt func(q *queries) string, res driver.Result) step {
	return step{name: name,
		ok: func(m *fakeDB, q *queries) { m.ExpectExec(stmt(q)).WillReturnResult(res) },
		fails: map[string]func(m *fakeDB, q *queries){
			"exec": func(m *fakeDB, q *queries) { m.ExpectExec(stmt(q)).WillReturnError(errBoom) },
		}}
}

// updateStep is an exec whose affected-row count is read.
func updateStep(name string, stmt func(q *queries) string) step {
	s := execStep(name, stmt, newFakeResult(0, 1))
	s.fails["result"] = func(m *fakeDB, q *queries) {
		m.ExpectExec(stmt(q)).WillReturnResult(fakeErrorResult(errBoom))
	}
	return s
}

func queryStep(name string, stmt func(q *queries) string, rows func(q *queries) *fakeRows, bad func() *fakeRows) step {
	return step{name: name,
		ok: func(m *fakeDB, q *queries) { m.ExpectQuery(stmt(q)).WillReturnRows(rows(q)) },
		fails: map[string]func(m *fakeDB, q *queries){
			"query": func(m *fakeDB, q *queries) { m.ExpectQuery(stmt(q)).WillReturnError(errBoom) },
			"rows": func(m *fakeDB, q *queries) {
				m.ExpectQuery(stmt(q)).WillReturnRows(rows(q).RowError(0, errBoom))
			},
			"scan": func(m *fakeDB, q *queries) { m.ExpectQuery(stmt(q)).WillReturnRows(bad()) },
		}}
}

var (
	beginStep = step{name: "begin",
		ok:    func(m *fakeDB, q *queries) { m.ExpectBegin() },
		fails: map[string]func(m *fakeDB, q *queries){"begin": func(m *fakeDB, q *queries) { m.ExpectBegin().WillReturnError(errBoom) }}}
	commitStep = step{name: "commit",
		ok:    func(m *fakeDB, q *queries) { m.ExpectCommit() },
		fails: map[string]func(m *fakeDB, q *queries){"commit": func(m *fakeDB, q *queries) { m.ExpectCommit().WillReturnError(errBoom) }}}
	getStep = queryStep("get", func(q *queries) string { return q.getKey }, keyRow, badKeyRow)
)

func operations() []operation {
	changeRows := func(*queries) *fakeRows {
		return newFakeRows([]string{"pruned_through", "max_seq", "seq", "key_id", "revoked_at", "expires_at", "rotated_at"}).
			AddRow(int64(0), int64(5), int64(5), "abcdefghijkl", mockNow, nil, nil)
	}
	headRows := func(*queries) *fakeRows {
		return newFakeRows([]string{"kind", "v"}).AddRow(int64(0), int64(0)).AddRow(int64(1), int64(4))
	}
	uses := make([]apikey.Use, maxUsesPerStatement+1)
	for i := range uses {
		uses[i] = apikey.Use{ID: strings.Repeat("k", 11) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)), At: mockNow}
	}
	rotation := apikey.Rotation{OrgID: "org", OldID: "abcdefghijkl", Now: mockNow, GraceUntil: mockNow.Add(time.Hour),
		New: apikey.Record{Key: apikey.Key{ID: "newnewnewnew", OrgID: "org", Name: "n", Prefix: "dk_newnewnewnew", Permission: apikey.Read, CreatedAt: mockNow}, Hash: "h"}}
	return []operation{
		{name: "Create", tx: true, steps: []step{beginStep,
			execStep("insert", func(q *queries) string { return q.insertKey }, newFakeResult(0, 1)),
			execStep("event", func(q *queries) string { return q.insertEvent }, newFakeResult(1, 1)),
			commitStep},
			call: func(s *Store) error { return s.Create(context.Background(), rotation.New) }},
		{name: "Get", steps: []step{getStep},
			call: func(s *Store) error { _, err := s.Get(context.Background(), "abcdefghijkl"); return err }},
		{name: "List", steps: []step{queryStep("list", func(q *queries) string { return q.listFirst },
			func(*queries) *fakeRows {
				return newFakeRows(strings.Split(listColumns, ", ")).
					AddRow("abcdefghijkl", "org", "name", "dk_abcdefghijkl", "write", mockNow, nil, nil, nil, nil, nil, nil)
			},
			func() *fakeRows {
				return newFakeRows(strings.Split(listColumns, ", ")).
					AddRow("abcdefghijkl", "org", "name", "dk_abcdefghijkl", "owner", mockNow, nil, nil, nil, nil, nil, nil)
			})},
			call: func(s *Store) error {
				_, err := s.List(context.Background(), apikey.ListQuery{OrgID: "org", Limit: 10})
				return err
			}},
		{name: "Revoke", tx: true, steps: []step{beginStep,
			updateStep("update", func(q *queries) string { return q.revoke }),
			getStep,
			execStep("change", func(q *queries) string { return q.insertChange }, newFakeResult(1, 1)),
			execStep("event", func(q *queries) string { return q.insertEvent }, newFakeResult(1, 1)),
			commitStep},
			call: func(s *Store) error {
				_, err := s.Revoke(context.Background(), "org", "abcdefghijkl", mockNow)
				return err
			}},
		{name: "Rotate", tx: true, steps: []step{beginStep,
			updateStep("update", func(q *queries) string { return q.rotate }),
			getStep,
			execStep("insert", func(q *queries) string { return q.insertKey }, newFakeResult(0, 1)),
			execStep("change", func(q *queries) string { return q.insertChange }, newFakeResult(1, 1)),
			execStep("event", func(q *queries) string { return q.insertEvent }, newFakeResult(1, 1)),
			commitStep},
			call: func(s *Store) error { _, err := s.Rotate(context.Background(), rotation); return err }},
		{name: "Events", steps: []step{queryStep("events", func(q *queries) string { return q.eventsFirst },
			func(*queries) *fakeRows {
				return newFakeRows(strings.Split(eventColumns, ", ")).
					AddRow(int64(1), "org", "abcdefghijkl", "key.created", mockNow, "u", "U", "", "")
			},
			func() *fakeRows {
				return newFakeRows(strings.Split(eventColumns, ", ")).
					AddRow("one", "org", "abcdefghijkl", "key.created", mockNow, "u", "U", "", "")
			})},
			call: func(s *Store) error {
				_, err := s.Events(context.Background(), apikey.EventQuery{OrgID: "org", Limit: 10})
				return err
			}},
		{name: "SetTag", steps: []step{execStep("update", func(q *queries) string { return q.setTag }, newFakeResult(0, 1))},
			call: func(s *Store) error { return s.SetTag(context.Background(), "abcdefghijkl", "t1:x") }},
		{name: "RecordUse", steps: []step{
			execStep("chunk1", func(q *queries) string { return q.recordUse(maxUsesPerStatement) }, newFakeResult(0, 1000)),
			execStep("chunk2", func(q *queries) string { return q.recordUse(1) }, newFakeResult(0, 1))},
			call: func(s *Store) error { return s.RecordUse(context.Background(), uses) }},
		{name: "Changes/head", steps: []step{queryStep("head", func(q *queries) string { return q.changesHead }, headRows,
			func() *fakeRows { return newFakeRows([]string{"kind", "v"}).AddRow("x", "y") })},
			call: func(s *Store) error { _, _, err := s.Changes(context.Background(), ""); return err }},
		{name: "Changes/after", steps: []step{queryStep("after", func(q *queries) string { return q.changesAfter }, changeRows,
			func() *fakeRows {
				return newFakeRows([]string{"pruned_through", "max_seq", "seq", "key_id", "revoked_at", "expires_at", "rotated_at"}).
					AddRow(int64(0), int64(5), int64(5), "abcdefghijkl", "2030-01-01", nil, nil)
			})},
			call: func(s *Store) error { _, _, err := s.Changes(context.Background(), "4"); return err }},
	}
}

func TestFaults(t *testing.T) {
	for _, d := range []Dialect{Postgres, MySQL, SQLite} {
		for _, op := range operations() {
			for i, st := range op.steps {
				for kind, fail := range st.fails {
					t.Run(d.String()+"/"+op.name+"/"+st.name+"/"+kind, func(t *testing.T) {
						db, mock := newFakeDB(t)
						s, err := NewWithConfig(Config{DB: db, Dialect: d, Now: func() time.Time { return mockNow }})
						if err != nil {
							t.Fatal(err)
						}
						s.pruned = mockNow // no pruning in these runs
						// The schema check runs on real databases (schema_test.go).
						s.schemaOK.Store(true)
						q := queriesFor(d)
						for _, before := range op.steps[:i] {
							before.ok(mock, q)
						}
						fail(mock, q)
						if op.tx && st.name != "begin" && st.name != "commit" {
							mock.ExpectRollback()
						}
						err = op.call(s)
						switch {
						case err == nil:
							t.Fatal("no error")
						case kind == "scan":
							if !strings.HasPrefix(err.Error(), "sqlstore: ") || errors.Is(err, apikey.ErrNotFound) {
								t.Fatalf("scan failure: %v", err)
							}
						case !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "sqlstore: "):
							t.Fatalf("error %q does not wrap the driver's", err)
						}
						if err := mock.ExpectationsWereMet(); err != nil {
							t.Fatalf("statements (and rollback): %v", err)
						}
					})
				}
			}
			// And the whole operation succeeds when nothing fails.
			t.Run(d.String()+"/"+op.name+"/ok", func(t *testing.T) {
				db, mock := newFakeDB(t)
				s, _ := NewWithConfig(Config{DB: db, Dialect: d, Now: func() time.Time { return mockNow }})
				s.pruned = mockNow
				s.schemaOK.Store(true)
				for _, st := range op.steps {
					st.ok(mock, queriesFor(d))
				}
				if err := op.call(s); err != nil {
					t.Fatal(err)
				}
				if err := mock.ExpectationsWereMet(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// uniqueErr looks like each driver's duplicate-key error.
type pgErr struct{ code string }

func (e pgErr) Error() string    { return "ERROR: duplicate key (SQLSTATE " + e.code + ")" }
func (e pgErr) SQLState() string { return e.code }

type sqliteErr struct{ code int }

func (e sqliteErr) Error() string { return "constraint failed" }
func (e sqliteErr) Code() int     { return e.code }

func TestUniqueViolations(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		err  error
		want bool
	}{
		{Postgres, pgErr{"23505"}, true},
		{Postgres, pgErr{"23503"}, false},
		{MySQL, errors.New("Error 1062 (23000): Duplicate entry 'x' for key 'PRIMARY'"), true},
		{MySQL, errors.New("Error 1452 (23000): foreign key"), false},
		{SQLite, sqliteErr{1555}, true},
		{SQLite, sqliteErr{2067}, true},
		{SQLite, sqliteErr{787}, false},
	} {
		t.Run(tc.d.String()+"/"+tc.err.Error(), func(t *testing.T) {
			db, mock := newFakeDB(t)
			s, _ := New(db, tc.d)
			s.schemaOK.Store(true)
			mock.ExpectBegin()
			mock.ExpectExec(queriesFor(tc.d).insertKey).WillReturnError(tc.err)
			mock.ExpectRollback()
			err := s.Create(context.Background(), apikey.Record{Key: apikey.Key{ID: "x", Permission: apikey.Read, CreatedAt: mockNow}})
			if errors.Is(err, apikey.ErrAlreadyExists) != tc.want || !errors.Is(err, tc.err) {
				t.Fatalf("Create = %v, want ErrAlreadyExists: %v", err, tc.want)
			}
		})
	}
}
