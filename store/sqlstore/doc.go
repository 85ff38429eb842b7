// Package sqlstore is an apikey.Store over database/sql for PostgreSQL,
// MySQL/MariaDB and SQLite. It imports no driver: open a *sql.DB with the
// driver of your choice, then
//
//	store, err := sqlstore.New(db, sqlstore.Postgres)
//	...
//	err = store.Migrate(ctx) // at start; idempotent, safe in several processes at once
//
// Each dialect has its own hand-written SQL. The schema ships embedded and
// also as plain files under migrations/<dialect>/, named NNN_name.up.sql
// and annotated for goose, which golang-migrate and goose apply as they
// are ([Migrations]). Migrate recognises a schema such a tool applied and
// records it without running it again. A Store on a database whose schema
// is missing or older than the code answers every call with a
// [*SchemaError] (errors.Is apikey.ErrSchemaOutdated) naming the
// migrations to apply; [Store.Check] reports the same at start.
//
// Times are stored in UTC with microsecond precision: timestamptz on
// PostgreSQL, DATETIME(6) on MySQL, and INTEGER microseconds since the Unix
// epoch on SQLite. MySQL connections need parseTime=true and loc=UTC (the
// default): Migrate refuses a connection without them, and [CheckMySQLDSN]
// checks a DSN before it is opened. SQLite databases shared by several
// connections should use WAL and a busy timeout.
//
// The change feed (revocations and expiry changes, polled by every
// apikey.Service sharing the database) is a table with an increasing
// sequence number. Concurrent writers may commit sequence numbers out of
// order, so a cursor remembers the numbers it skipped and looks for them
// again until they appear or Config.GapTimeout passes; see
// [Store.Changes]. Old changes are pruned after Config.Retention. The
// feed expects a sequence that counts up by one (on MySQL,
// auto_increment_increment = 1, the default): with a larger step every
// change looks like a gap.
package sqlstore
