// Package memstore is an in-memory [apikey.Store], for tests and for
// single-process services that may lose their keys on restart.
//
// Pass a [Store] as [apikey.Config].Store. It keeps every record in one map
// behind one mutex and scans an organization's keys to list them, which is
// fine for thousands of keys, not millions. Its change feed (see
// [apikey.Store].Changes) keeps at least the last 100,000 changes; a cursor
// older than what it keeps gets [apikey.ErrCursorExpired]. Nothing is written anywhere:
// share a Store between Services in one process, never between processes.
//
// It passes the conformance suite in store/storetest.
package memstore
