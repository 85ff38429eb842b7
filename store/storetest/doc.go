// Package storetest is the conformance suite every [apikey.Store] must pass.
//
// A store's own test calls [Run] with a function that returns a new, empty
// store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) apikey.Store {
//			s := mystore.New(...)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run checks the contract written on [apikey.Store] with exact values:
// records and timestamps come back unchanged (UTC, microseconds, years 2001
// to 2099), List pages through one organization in (CreatedAt, ID) order
// with IDs compared bytewise and case-sensitively, Revoke and Rotate are
// atomic and scoped to an organization, RecordUse only moves forward, the
// change feed misses nothing, concurrent callers are safe, and a cancelled
// context is never reported as success.
//
// Concurrency tests start 50 goroutines at once. Give a store over
// database/sql the pool limits it would have in production
// (sql.DB.SetMaxOpenConns and SetMaxIdleConns, 10 say): without them each
// burst opens and closes dozens of connections, which costs seconds.
//
// Run calls newStore once and runs its groups of sub-tests one after the
// other on that store, each group in organizations of its own. It uses no
// clock: every time it stores is a fixed instant, so a store must
// never substitute its own time for one it is given.
package storetest
