// Package sqlhook gives the tests of store/sqlstore that run on real
// databases what sqlstore's own tests would reach through an
// export_test.go file. Those tests live in the internal/testdb module, so
// that the SQL drivers they need stay out of this module's requirements
// (and so out of the go.sum of every module that requires keyauth); from
// there, unexported identifiers and export_test.go are out of reach.
//
// Package sqlstore sets the hooks when it is initialised. Only tests may
// call them.
package sqlhook

import "context"

// MigrateTo applies the migrations of store, a *sqlstore.Store, up to and
// including version last, so that a test can build a database as an
// older release left it.
var MigrateTo func(ctx context.Context, store any, last int) error
