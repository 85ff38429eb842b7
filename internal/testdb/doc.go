// Package testdb gives tests of any keyauth package a fresh, empty database
// of their own on PostgreSQL, MySQL/MariaDB or SQLite, dropped when the test
// ends, so that test binaries running at the same time never collide.
//
// PostgreSQL and MySQL come from the server named by KEYAUTH_POSTGRES_DSN
// and KEYAUTH_MYSQL_DSN: each call creates a randomly named database there.
// When a variable is unset and a Docker engine is reachable, a throwaway
// server is started in a container instead (with the docker command);
// otherwise the test is skipped with a message naming the variable to set.
// With KEYAUTH_REQUIRE_DB=1 a skip becomes a failure, so CI cannot pass
// without the databases. SQLite needs no server and always runs.
//
// It is the one non-program package that imports SQL drivers, which is
// why only _test.go files may import it: .ci/run checks both that no
// library package reaches a driver and that no non-test file imports
// testdb (docs/architecture.md, "What may import what"). It is internal
// so that it never becomes part of the module's API.
//
// It is a module of its own, github.com/driive/keyauth/internal/testdb,
// joined to the others by the root go.work, so that the drivers are not
// requirements of the keyauth module and so never reach the go.sum of a
// module that requires keyauth. The tests of store/sqlstore that need a
// database are in this module too, in internal/testdb/sqlstore.
package testdb
