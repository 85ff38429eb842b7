package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
)

// A database/sql driver that plays a script: the statements a test
// expects, in order, each matched by its exact text, with the result,
// rows or error to answer. The fault tests use it to fail each statement
// of an operation in turn without a database server (and without a
// mocking module in this module's requirements).

// fakeDB is the script of one *sql.DB opened by newFakeDB.
type fakeDB struct {
	mu       sync.Mutex
	expected []*expectation
	next     int   // index of the next expectation to meet
	failure  error // the first statement that broke the script
}

type expectKind string

const (
	expectBegin    expectKind = "Begin"
	expectCommit   expectKind = "Commit"
	expectRollback expectKind = "Rollback"
	expectExec     expectKind = "Exec"
	expectQuery    expectKind = "Query"
)

// expectation is one call the script expects, and its answer.
type expectation struct {
	kind   expectKind
	query  string // for Exec and Query
	err    error
	result driver.Result
	rows   *fakeRows
}

// WillReturnError makes the call fail with err.
func (e *expectation) WillReturnError(err error) *expectation { e.err = err; return e }

// WillReturnResult makes an Exec answer res.
func (e *expectation) WillReturnResult(res driver.Result) *expectation { e.result = res; return e }

// WillReturnRows makes a Query answer rows.
func (e *expectation) WillReturnRows(rows *fakeRows) *expectation { e.rows = rows; return e }

// newFakeDB returns a *sql.DB on a new script, closed when the test ends.
func newFakeDB(t testing.TB) (*sql.DB, *fakeDB) {
	t.Helper()
	f := &fakeDB{}
	db := sql.OpenDB(fakeConnector{f})
	// One connection, so that a statement never waits for another.
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, f
}

func (f *fakeDB) expect(e *expectation) *expectation {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expected = append(f.expected, e)
	return e
}

func (f *fakeDB) ExpectBegin() *expectation    { return f.expect(&expectation{kind: expectBegin}) }
func (f *fakeDB) ExpectCommit() *expectation   { return f.expect(&expectation{kind: expectCommit}) }
func (f *fakeDB) ExpectRollback() *expectation { return f.expect(&expectation{kind: expectRollback}) }
func (f *fakeDB) ExpectExec(query string) *expectation {
	return f.expect(&expectation{kind: expectExec, query: query})
}
func (f *fakeDB) ExpectQuery(query string) *expectation {
	return f.expect(&expectation{kind: expectQuery, query: query})
}

// ExpectationsWereMet reports a call that broke the script, or an
// expected call that was not made.
func (f *fakeDB) ExpectationsWereMet() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failure != nil {
		return f.failure
	}
	if f.next < len(f.expected) {
		e := f.expected[f.next]
		return fmt.Errorf("%d expected calls not made, the first: %s %q", len(f.expected)-f.next, e.kind, e.query)
	}
	return nil
}

// call meets the next expectation, which must be of kind (and query).
func (f *fakeDB) call(kind expectKind, query string) (*expectation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	switch {
	case f.failure != nil:
		err = fmt.Errorf("%s %q after the script broke", kind, query)
	case f.next == len(f.expected):
		err = fmt.Errorf("unexpected %s %q: all expected calls were made", kind, query)
	case f.expected[f.next].kind != kind || f.expected[f.next].query != query:
		e := f.expected[f.next]
		err = fmt.Errorf("unexpected %s %q, want %s %q", kind, query, e.kind, e.query)
	}
	if err != nil {
		if f.failure == nil {
			f.failure = err
		}
		return nil, err
	}
	e := f.expected[f.next]
	f.next++
	return e, e.err
}

type fakeConnector struct{ f *fakeDB }

func (c fakeConnector) Connect(context.Context) (driver.Conn, error) { return fakeConn(c), nil }
func (c fakeConnector) Driver() driver.Driver                        { return fakeDriver{} }

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("fakedb: open through the connector")
}

// fakeConn answers from the script; database/sql converts the arguments
// with its default converter, as for a driver that has none of its own.
type fakeConn struct{ f *fakeDB }

func (c fakeConn) Prepare(query string) (driver.Stmt, error) {
	return nil, fmt.Errorf("fakedb: prepared statements are not scripted: %q", query)
}
func (c fakeConn) Close() error { return nil }
func (c fakeConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c fakeConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	if _, err := c.f.call(expectBegin, ""); err != nil {
		return nil, err
	}
	return fakeTx(c), nil
}

func (c fakeConn) ExecContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Result, error) {
	e, err := c.f.call(expectExec, query)
	if err != nil {
		return nil, err
	}
	if e.result == nil {
		return nil, fmt.Errorf("fakedb: no result scripted for %q", query)
	}
	return e.result, nil
}

func (c fakeConn) QueryContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Rows, error) {
	e, err := c.f.call(expectQuery, query)
	if err != nil {
		return nil, err
	}
	if e.rows == nil {
		return nil, fmt.Errorf("fakedb: no rows scripted for %q", query)
	}
	return &fakeRowsCursor{rows: e.rows}, nil
}

type fakeTx struct{ f *fakeDB }

func (t fakeTx) Commit() error {
	_, err := t.f.call(expectCommit, "")
	return err
}

func (t fakeTx) Rollback() error {
	_, err := t.f.call(expectRollback, "")
	return err
}

// fakeResult is an Exec's answer: newFakeResult, or fakeErrorResult whose
// methods fail.
type fakeResult struct {
	lastID, affected int64
	err              error
}

func newFakeResult(lastID, affected int64) driver.Result {
	return fakeResult{lastID: lastID, affected: affected}
}

func fakeErrorResult(err error) driver.Result { return fakeResult{err: err} }

func (r fakeResult) LastInsertId() (int64, error) { return r.lastID, r.err }
func (r fakeResult) RowsAffected() (int64, error) { return r.affected, r.err }

// fakeRows are the rows a Query answers.
type fakeRows struct {
	columns []string
	values  [][]driver.Value
	errAt   map[int]error // an error in place of row i
}

func newFakeRows(columns []string) *fakeRows { return &fakeRows{columns: columns} }

// AddRow adds a row; each value is what the driver would return for its
// column (nil for NULL).
func (r *fakeRows) AddRow(values ...driver.Value) *fakeRows {
	if len(values) != len(r.columns) {
		panic(fmt.Sprintf("fakedb: %d values for %d columns", len(values), len(r.columns)))
	}
	r.values = append(r.values, values)
	return r
}

// RowError makes reading row i fail with err.
func (r *fakeRows) RowError(i int, err error) *fakeRows {
	if r.errAt == nil {
		r.errAt = map[int]error{}
	}
	r.errAt[i] = err
	return r
}

type fakeRowsCursor struct {
	rows *fakeRows
	i    int
}

func (c *fakeRowsCursor) Columns() []string { return c.rows.columns }
func (c *fakeRowsCursor) Close() error      { return nil }

func (c *fakeRowsCursor) Next(dest []driver.Value) error {
	if err := c.rows.errAt[c.i]; err != nil {
		return err
	}
	if c.i == len(c.rows.values) {
		return io.EOF
	}
	copy(dest, c.rows.values[c.i])
	c.i++
	return nil
}

// TestFakeDBHoldsToTheScript: a statement other than the next expected
// one fails and is reported, and so is an expected call never made.
func TestFakeDBHoldsToTheScript(t *testing.T) {
	db, f := newFakeDB(t)
	f.ExpectExec("UPDATE a SET b = 1").WillReturnResult(newFakeResult(0, 1))
	if _, err := db.Exec("UPDATE a SET b = 2"); err == nil {
		t.Fatal("another statement than the expected one succeeded")
	}
	if err := f.ExpectationsWereMet(); err == nil {
		t.Fatal("ExpectationsWereMet after a wrong statement: no error")
	}

	db, f = newFakeDB(t)
	f.ExpectBegin()
	f.ExpectQuery("SELECT 1").WillReturnRows(newFakeRows([]string{"n"}).AddRow(int64(1)))
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := f.ExpectationsWereMet(); err == nil {
		t.Fatal("ExpectationsWereMet with a query not made: no error")
	}
	var n int64
	if err := tx.QueryRow("SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("scripted query: %d, %v", n, err)
	}
	if err := f.ExpectationsWereMet(); err != nil {
		t.Fatal(err)
	}
}
