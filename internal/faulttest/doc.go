// Package faulttest holds end-to-end tests of keyauth's security and
// reliability promises (those SECURITY.md names): a PostgreSQL server of
// the test's own stopped during a load of authenticated requests and
// started again, an attacker guessing secrets for a known key id against
// the per-id failure budget, and the default hashing parameters. It has
// no code besides its tests.
package faulttest
