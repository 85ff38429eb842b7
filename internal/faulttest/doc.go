// Package faulttest holds end-to-end fault tests of keyauth: a PostgreSQL
// server of the test's own stopped during a load of authenticated requests
// and started again, and an attacker guessing secrets for a known key id
// against the per-id failure budget. It has no code besides its tests.
package faulttest
