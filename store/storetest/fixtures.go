package storetest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/driive/keyauth/apikey"
)

// now is the suite's "current time". Every instant the suite stores is
// derived from fixed values with non-zero microseconds, so a store that
// rounds, truncates or shifts a time fails an exact comparison.
var now = time.Date(2026, time.May, 17, 10, 20, 30, 123456000, time.UTC)

// later returns now + d.
func later(d time.Duration) time.Time { return now.Add(d) }

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns a random key id: 12 base62 characters, mixed case, so that
// ordering and uniqueness are checked case-sensitively.
func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		// 256 % 62 != 0 biases a few digits slightly: harmless for test ids.
		b[i] = base62[int(b[i])%len(base62)]
	}
	return string(b)
}

// hashFor returns a well-formed argon2id encoding that differs per id. The
// suite never verifies hashes; it checks that the text comes back unchanged.
func hashFor(id string) string {
	sum := sha256.Sum256([]byte(id))
	salt := base64.RawStdEncoding.EncodeToString(sum[:16])
	key := base64.RawStdEncoding.EncodeToString(sum[:])
	return "$argon2id$v=19$m=8192,t=1,p=1$" + salt + "$" + key
}

// tagFor returns a tag that differs per id. The suite treats tags as
// opaque text, as a Store must.
func tagFor(id string) string {
	sum := sha256.Sum256([]byte("tag " + id))
	return "t1:" + base64.RawURLEncoding.EncodeToString(sum[:6])
}

// newRecord returns a read key of org created at created, without expiry.
func newRecord(org string, created time.Time) apikey.Record {
	id := newID()
	return apikey.Record{
		Key: apikey.Key{
			ID:         id,
			OrgID:      org,
			Name:       "key " + id,
			Prefix:     "dk_" + id,
			Permission: apikey.Read,
			CreatedAt:  created,
		},
		Hash: hashFor(id),
		Tag:  tagFor(id),
	}
}

func withID(r apikey.Record, id string) apikey.Record {
	r.ID, r.Prefix, r.Name, r.Hash, r.Tag = id, "dk_"+id, "key "+id, hashFor(id), tagFor(id)
	return r
}

func mustCreate(t *testing.T, s apikey.Store, recs ...apikey.Record) {
	t.Helper()
	for _, r := range recs {
		if err := s.Create(t.Context(), r); err != nil {
			t.Fatalf("Create(%s): %v", r.ID, err)
		}
	}
}

// createConcurrently creates recs from a few goroutines, which is quicker
// than one after the other on a database that syncs every commit.
func createConcurrently(t *testing.T, s apikey.Store, recs []apikey.Record) {
	t.Helper()
	const workers = 8
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(recs); i += workers {
				errs[i] = s.Create(t.Context(), recs[i])
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Create(%s): %v", recs[i].ID, err)
		}
	}
}

func mustGet(t *testing.T, s apikey.Store, id string) apikey.Record {
	t.Helper()
	r, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return r
}

// checkStored fails unless the store holds exactly want under want.ID.
func checkStored(t *testing.T, s apikey.Store, want apikey.Record) {
	t.Helper()
	got, err := s.Get(t.Context(), want.ID)
	if err != nil {
		t.Errorf("Get(%s): %v", want.ID, err)
		return
	}
	checkRecord(t, "Get("+want.ID+")", got, want)
}

// checkRevoke revokes r at `at` and fails unless both Revoke's answer and
// the stored record are r with RevokedAt set and every other field kept.
// It returns r as revoked.
func checkRevoke(t *testing.T, s apikey.Store, r apikey.Record, at time.Time) apikey.Record {
	t.Helper()
	got, err := s.Revoke(t.Context(), r.OrgID, r.ID, at)
	if err != nil {
		t.Fatalf("Revoke(%s): %v", r.ID, err)
	}
	r.RevokedAt = at
	checkKey(t, "Revoke result", got, r.Key)
	checkStored(t, s, r)
	return r
}

// checkAbsent fails unless Get(id) reports ErrNotFound.
func checkAbsent(t *testing.T, s apikey.Store, id string) {
	t.Helper()
	r, err := s.Get(t.Context(), id)
	if !errors.Is(err, apikey.ErrNotFound) {
		t.Errorf("Get(%s) = %+v, %v; want an error matching ErrNotFound", id, r.Key, err)
	}
}

// checkErr fails unless errors.Is(err, want).
func checkErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v; want one matching %v", what, err, want)
	}
}

// exactTimes makes cmp compare times the way the suite requires a store to
// return them: the same instant, in time.UTC. Without it cmp would use
// time.Time.Equal, which ignores the location, so a store that returned
// local times would pass.
var exactTimes = cmp.Comparer(func(a, b time.Time) bool {
	return a.Equal(b) && a.Location() == time.UTC && b.Location() == time.UTC
})

// checkRecord fails unless got equals want in every field, the hash and
// tag included.
func checkRecord(t *testing.T, what string, got, want apikey.Record) {
	t.Helper()
	if d := cmp.Diff(want, got, exactTimes); d != "" {
		t.Errorf("%s: record %s differs (-want +got):\n%s", what, want.ID, d)
	}
}

func checkKey(t *testing.T, what string, got, want apikey.Key) {
	t.Helper()
	if d := cmp.Diff(want, got, exactTimes); d != "" {
		t.Errorf("%s: key %s differs (-want +got):\n%s", what, want.ID, d)
	}
}

// checkKeys compares two lists of keys element by element, in order. A nil
// and an empty list are equal: the Store contract does not tell them apart.
func checkKeys(t *testing.T, what string, got, want []apikey.Key) {
	t.Helper()
	if d := cmp.Diff(want, got, exactTimes, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s: keys differ (-want +got):\n%s", what, d)
	}
}

// checkChange fails unless the change feed reported want for want.ID.
func checkChange(t *testing.T, what string, got, want apikey.Change) {
	t.Helper()
	if d := cmp.Diff(want, got, exactTimes); d != "" {
		t.Errorf("%s: change of %s differs (-want +got):\n%s", what, want.ID, d)
	}
}

func ids(keys []apikey.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ID
	}
	return out
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format("2006-01-02T15:04:05.000000000Z07:00")
}

// sortKeys sorts keys in the order List must return them: CreatedAt, then
// ID compared bytewise.
func sortKeys(keys []apikey.Key) {
	slices.SortFunc(keys, func(a, b apikey.Key) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// isAfter reports whether k comes after p in List order.
func isAfter(k apikey.Key, p apikey.Position) bool {
	if p.IsZero() {
		return true
	}
	if c := k.CreatedAt.Compare(p.CreatedAt); c != 0 {
		return c > 0
	}
	return k.ID > p.ID
}

// noPanic runs f and turns a panic into a test error, so that one broken
// call does not stop the rest of the suite.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Errorf("%s panicked: %v", what, v)
		}
	}()
	f()
}
