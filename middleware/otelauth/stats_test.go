package otelauth_test

import (
	"context"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware/otelauth"
	"github.com/driive/keyauth/store/memstore"
)

// flakyStore fails Get and RecordUse while its switches are on.
type flakyStore struct {
	apikey.Store
	failGet, failRecordUse atomic.Bool
}

var errDown = errors.New("connection refused")

func (s *flakyStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	if s.failGet.Load() {
		return apikey.Record{}, errDown
	}
	return s.Store.Get(ctx, id)
}

func (s *flakyStore) RecordUse(ctx context.Context, uses []apikey.Use) error {
	if s.failRecordUse.Load() {
		return errDown
	}
	return s.Store.RecordUse(ctx, uses)
}

// TestStatsInstruments runs a scripted sequence through every counter of
// Stats and reads each instrument with the manual reader: each value is
// the number the script makes, and the Stats field it reports.
func TestStatsInstruments(t *testing.T) {
	ctx := context.Background()
	fs := &flakyStore{Store: memstore.New()}
	r := newRigOn(t, fs, false, func(c *apikey.Config) {
		c.CacheSize = 1
		c.MaxConcurrentHashes = 3
		c.TagKey = []byte("0123456789abcdef0123456789abcdef")
	})
	// Keys made by a Service without the TagKey: their stored tags are
	// not the rig's, so their first verification runs argon2id and
	// writes a tag.
	other, err := apikey.NewService(apikey.Config{Store: fs, Hash: testHash, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(svc *apikey.Service, name string) string {
		t.Helper()
		_, s, err := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: name, Permission: apikey.Read})
		if err != nil {
			t.Fatal(err)
		}
		return s.Reveal()
	}
	a, b := mint(other, "a"), mint(other, "b")
	c := mint(r.svc, "c") // tagged under the rig's TagKey
	if err := r.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	r.want(t, "a, cold", nil, a)
	r.want(t, "a, cached", nil, a)
	r.want(t, "b, wrong secret", apikey.ErrInvalidKey, keytest.WrongSecret(b))
	r.want(t, "b, wrong secret again", apikey.ErrInvalidKey, keytest.WrongSecret(b))
	r.want(t, "b, cold: evicts a", nil, b)
	r.clock.Advance(2 * time.Second) // past the kept reads
	r.want(t, "c, wrong secret", apikey.ErrInvalidKey, keytest.WrongSecret(c))
	r.want(t, "unknown id", apikey.ErrInvalidKey, keytest.Forge(apikey.DefaultPrefix, ""))
	fs.failGet.Store(true)
	r.want(t, "a, store down", apikey.ErrUnavailable, a)
	r.want(t, "a, throttled", apikey.ErrUnavailable, a)
	fs.failGet.Store(false)
	fs.failRecordUse.Store(true)
	if err := r.svc.Flush(ctx); err == nil {
		t.Fatal("Flush with RecordUse failing: no error")
	}
	fs.failRecordUse.Store(false)
	if err := r.svc.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(3 * time.Second)

	st := r.svc.Stats()
	// name -> attribute value ("" for none) -> what the script makes, and
	// the Stats field it must equal.
	type v struct {
		want, stat float64
	}
	u := func(n uint64) float64 { return float64(n) }
	i := func(n int) float64 { return float64(n) }
	expect := map[string]map[string]v{
		"keyauth.auth.refusals": {
			"invalid":     {4, u(st.Invalid)}, // two wrong secrets of b, one of c, the unknown id
			"expired":     {0, u(st.Expired)},
			"revoked":     {0, u(st.Revoked)},
			"unavailable": {2, u(st.Unavailable)}, // store down, then throttled
			"corrupt":     {0, u(st.Corrupt)},
		},
		"keyauth.cache.lookups":          {"hit": {1, u(st.CacheHits)}, "miss": {8, u(st.CacheMisses)}},
		"keyauth.cache.keys":             {"": {1, i(st.CachedKeys)}},
		"keyauth.cache.limit":            {"": {1, i(st.CacheSize)}},
		"keyauth.cache.evictions":        {"": {1, u(st.Evictions)}},       // a, for b
		"keyauth.cache.recent_evictions": {"": {1, u(st.RecentEvictions)}}, // a was just used
		"keyauth.cache.refreshes":        {"": {0, u(st.Refreshes)}},
		"keyauth.store.reads":            {"": {5, u(st.StoreReads)}}, // a, b, c, the unknown id, a failing
		"keyauth.cold.kept_reads":        {"": {2, u(st.KeptReads)}},  // b's second wrong secret and its right one
		"keyauth.cold.kept_ids":          {"": {4, i(st.KeptIDs)}},
		"keyauth.cold.unknown_ids":       {"": {1, u(st.UnknownIDs)}},
		"keyauth.cold.tag_rejects":       {"": {1, u(st.TagRejects)}}, // c's wrong secret
		"keyauth.cold.throttled":         {"": {1, u(st.Throttled)}},
		"keyauth.hash.runs":              {"": {4, u(st.HashRuns)}},     // a, b twice wrong, b
		"keyauth.hash.failures":          {"": {2, u(st.HashFailures)}}, // b's wrong secrets: its tag is not the rig's
		"keyauth.hash.slot_waits":        {"": {0, u(st.HashWaits)}},
		"keyauth.hash.slot_timeouts":     {"": {0, u(st.HashTimeouts)}},
		"keyauth.hash.slots.in_use":      {"": {0, i(st.HashSlotsInUse)}},
		"keyauth.hash.slots.limit":       {"": {3, i(st.HashSlots)}},
		"keyauth.tag.writes":             {"ok": {2, u(st.TagsWritten)}, "failed": {0, u(st.TagWriteFailures)}}, // a and b retagged
		"keyauth.feed.polls":             {"ok": {1, u(st.Syncs)}, "failed": {0, u(st.SyncFailures)}},
		"keyauth.feed.lag":               {"": {5, r.clock.Now().Sub(st.LastSync).Seconds()}},
		"keyauth.lastused.flushes":       {"ok": {1, u(st.Flushes)}, "failed": {1, u(st.FlushFailures)}},
		"keyauth.lastused.written":       {"": {2, u(st.LastUseWritten)}}, // a's and b's
		"keyauth.lastused.pending":       {"": {0, i(st.PendingUses)}},
	}
	got := r.collect(t)
	for name, vals := range expect {
		if len(got[name]) != len(vals) {
			t.Errorf("%s: points %v, want %d", name, got[name], len(vals))
		}
		for attr, w := range vals {
			g, ok := got[name][attr]
			if !ok || !near(g, w.want) || !near(w.stat, w.want) {
				t.Errorf("%s{%s} = %v (present %v), want %v; Stats says %v", name, attr, g, ok, w.want, w.stat)
			}
		}
	}
	for name := range got {
		if _, ok := expect[name]; !ok && name != "keyauth.auth.requests" && name != "keyauth.auth.duration" {
			t.Errorf("%s is not checked", name)
		}
	}
}

// TestLagBeforeFirstPoll: without a good poll yet, the lag is the time
// since RegisterStats.
func TestLagBeforeFirstPoll(t *testing.T) {
	r := newRig(t, false)
	r.clock.Advance(2 * time.Second)
	if lag := r.collect(t)["keyauth.feed.lag"][""]; !near(lag, 2) {
		t.Errorf("lag = %v, want 2", lag)
	}
}

// TestEveryStatsField fails when Stats gains a field that RegisterStats
// does not report: add it to both.
func TestEveryStatsField(t *testing.T) {
	reported := map[string]string{
		"Invalid": "keyauth.auth.refusals", "Expired": "keyauth.auth.refusals", "Revoked": "keyauth.auth.refusals",
		"Unavailable": "keyauth.auth.refusals", "Corrupt": "keyauth.auth.refusals",
		"CacheHits": "keyauth.cache.lookups", "CacheMisses": "keyauth.cache.lookups",
		"CachedKeys": "keyauth.cache.keys", "CacheSize": "keyauth.cache.limit",
		"Evictions": "keyauth.cache.evictions", "RecentEvictions": "keyauth.cache.recent_evictions",
		"StoreReads": "keyauth.store.reads", "KeptReads": "keyauth.cold.kept_reads", "KeptIDs": "keyauth.cold.kept_ids",
		"UnknownIDs": "keyauth.cold.unknown_ids", "TagRejects": "keyauth.cold.tag_rejects", "Throttled": "keyauth.cold.throttled",
		"HashRuns": "keyauth.hash.runs", "HashFailures": "keyauth.hash.failures",
		"HashWaits": "keyauth.hash.slot_waits", "HashTimeouts": "keyauth.hash.slot_timeouts",
		"HashSlots": "keyauth.hash.slots.limit", "HashSlotsInUse": "keyauth.hash.slots.in_use",
		"TagsWritten": "keyauth.tag.writes", "TagWriteFailures": "keyauth.tag.writes",
		"Refreshes": "keyauth.cache.refreshes",
		"Syncs":     "keyauth.feed.polls", "SyncFailures": "keyauth.feed.polls", "LastSync": "keyauth.feed.lag",
		"Flushes": "keyauth.lastused.flushes", "FlushFailures": "keyauth.lastused.flushes", "LastUseWritten": "keyauth.lastused.written",
		"PendingUses": "keyauth.lastused.pending",
	}
	got := newRig(t, false).collect(t)
	st := reflect.TypeFor[apikey.Stats]()
	for i := range st.NumField() {
		f := st.Field(i)
		name, ok := reported[f.Name]
		if !ok {
			t.Errorf("Stats.%s is not reported", f.Name)
			continue
		}
		if _, ok := got[name]; !ok {
			t.Errorf("Stats.%s: no %s", f.Name, name)
		}
	}
}

// fixedStats is a StatsSource that always says st.
type fixedStats struct{ st apikey.Stats }

func (f fixedStats) Stats() apikey.Stats { return f.st }

// TestSlotWaitsAndPending: the argon2id slot waits and the pending
// last-used times are reported as Stats has them.
func TestSlotWaitsAndPending(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	src := fixedStats{apikey.Stats{HashWaits: 7, HashTimeouts: 2, PendingUses: 40, LastUseWritten: 3}}
	reg, err := otelauth.RegisterStats(src, otelauth.Options{MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	got := (&rig{reader: reader}).collect(t)
	for name, want := range map[string]float64{
		"keyauth.hash.slot_waits": 7, "keyauth.hash.slot_timeouts": 2,
		"keyauth.lastused.pending": 40, "keyauth.lastused.written": 3,
	} {
		if g, ok := got[name][""]; !ok || g != want {
			t.Errorf("%s = %v (present %v), want %v", name, g, ok, want)
		}
	}
}
