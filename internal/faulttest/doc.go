// Package faulttest holds end-to-end fault tests of keyauth against real
// database servers: a PostgreSQL server of the test's own is stopped
// during a load of authenticated requests and started again. It has no
// code of its own besides its tests.
package faulttest
