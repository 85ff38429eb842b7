package storetest

import (
	"testing"

	"github.com/driive/keyauth/apikey"
)

// Run runs the conformance suite against stores made by newStore; each call
// must return an empty store. newStore may register cleanups with t and
// call t.Skip or t.Fatal when the store cannot be made.
//
// Run calls newStore once and runs every group of sub-tests on that store,
// one group after the other, each in organizations of its own: creating a
// database can cost a second, and the suite is meant to take a few.
func Run(t *testing.T, newStore func(t *testing.T) apikey.Store) {
	t.Helper()
	s := newStore(t)
	if s == nil {
		t.Fatal("newStore returned a nil Store")
	}
	groups := []struct {
		name string
		run  func(t *testing.T, s apikey.Store)
	}{
		{"CreateGet", testCreateGet},
		{"Timestamps", testTimestamps},
		{"List", testList},
		{"Tag", testTag},
		{"Revoke", testRevoke},
		{"OrgIsolation", testOrgIsolation},
		{"Rotate", testRotate},
		{"RecordUse", testRecordUse},
		{"Changes", testChanges},
		{"Audit", testAudit},
		{"Concurrency", testConcurrency},
		{"CancelledContext", testCancelledContext},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, s) })
	}
}
