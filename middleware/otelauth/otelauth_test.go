package otelauth_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware/otelauth"
	"github.com/driive/keyauth/store/memstore"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testHash makes argon2id runs quick.
var testHash = apikey.HashParams{Memory: 8 * 1024, Iterations: 1}

// stepClock advances by step at every reading: each authentication lasts
// exactly one step.
type stepClock struct {
	ns   atomic.Int64
	step time.Duration
}

func (c *stepClock) Now() time.Time { return t0.Add(time.Duration(c.ns.Add(int64(c.step)))) }

// rig is a Service on a memstore behind every otelauth wrapper, with a
// manual metric reader and an in-memory span exporter.
type rig struct {
	svc  *apikey.Service
	auth interface {
		Authenticate(context.Context, string) (apikey.Principal, error)
	}
	clock  *keytest.Clock // the Service's and the stats' clock
	reader *sdkmetric.ManualReader
	spans  *tracetest.InMemoryExporter
}

// want authenticates token through the wrappers and fails the test at
// step unless the error matches wantErr (nil: success).
func (r *rig) want(t *testing.T, step string, wantErr error, token string) {
	t.Helper()
	if _, err := r.auth.Authenticate(context.Background(), token); !errors.Is(err, wantErr) {
		t.Fatalf("%s: %v, want %v", step, err, wantErr)
	}
}

func newRig(t *testing.T, orgIDs bool) *rig {
	t.Helper()
	return newRigOn(t, memstore.New(), orgIDs, func(*apikey.Config) {})
}

// newRigOn is newRig on inner, with cfg's changes to the Service's Config.
func newRigOn(t *testing.T, inner apikey.Store, orgIDs bool, cfg func(*apikey.Config)) *rig {
	t.Helper()
	r := &rig{clock: keytest.NewClock(t0), reader: sdkmetric.NewManualReader(), spans: tracetest.NewInMemoryExporter()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(r.spans))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	store, err := otelauth.WrapStore(inner, otelauth.Options{TracerProvider: tp, OrgIDInSpans: orgIDs})
	if err != nil {
		t.Fatal(err)
	}
	c := apikey.Config{Store: store, Hash: testHash, Now: r.clock.Now,
		ColdPath: otelauth.ColdPathSpans(otelauth.Options{TracerProvider: tp, OrgIDInSpans: orgIDs})}
	cfg(&c)
	svc, err := apikey.NewService(c)
	if err != nil {
		t.Fatal(err)
	}
	r.svc = svc
	if r.auth, err = otelauth.WrapAuthenticator(svc, otelauth.Options{MeterProvider: mp, Now: (&stepClock{step: time.Millisecond}).Now, DurationEvery: 1}); err != nil {
		t.Fatal(err)
	}
	reg, err := otelauth.RegisterStats(svc, otelauth.Options{MeterProvider: mp, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Unregister() })
	return r
}

// collect reads every metric: name -> attribute value ("" for none) -> value.
// Sums and gauges give their value, histograms their count; sums of
// histograms go under "sum:"+attribute.
func (r *rig) collect(t *testing.T) map[string]map[string]float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != "github.com/driive/keyauth/middleware/otelauth" {
			t.Errorf("scope %q", sm.Scope.Name)
		}
		for _, m := range sm.Metrics {
			if !strings.HasPrefix(m.Name, "keyauth.") {
				t.Errorf("metric %q is not named keyauth.*", m.Name)
			}
			vals := map[string]float64{}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					vals[attrValue(p.Attributes.ToSlice())] = float64(p.Value)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					vals[attrValue(p.Attributes.ToSlice())] = float64(p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					vals[attrValue(p.Attributes.ToSlice())] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					a := attrValue(p.Attributes.ToSlice())
					vals[a] = float64(p.Count)
					vals["sum:"+a] = p.Sum
				}
			default:
				t.Errorf("%s: unexpected data %T", m.Name, m.Data)
			}
			out[m.Name] = vals
		}
	}
	return out
}

func attrValue(kvs []attributeKV) string {
	var vs []string
	for _, kv := range kvs {
		vs = append(vs, kv.Value.String())
	}
	return strings.Join(vs, ",")
}

// TestMetricsAndSpans runs a scripted sequence of outcomes and reads every
// instrument and span.
func TestMetricsAndSpans(t *testing.T) {
	r := newRig(t, false)
	ctx := context.Background()
	k, secret, err := r.svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "ci", Permission: apikey.Write})
	if err != nil {
		t.Fatal(err)
	}
	key := secret.Reveal()
	if err := r.svc.Sync(ctx); err != nil { // a fresh feed: cached keys are trusted
		t.Fatal(err)
	}
	want := func(name string, wantErr error, token string) {
		t.Helper()
		if _, err := r.auth.Authenticate(ctx, token); !errors.Is(err, wantErr) {
			t.Fatalf("%s: %v, want %v", name, err, wantErr)
		}
	}
	want("cold", nil, key)
	want("cached", nil, key)
	want("cached again", nil, key)
	want("wrong secret", apikey.ErrInvalidKey, keytest.WrongSecret(key))
	want("malformed", apikey.ErrInvalidKey, "not-a-key")
	if _, err := r.svc.Revoke(ctx, "acme", k.ID); err != nil {
		t.Fatal(err)
	}
	want("revoked", apikey.ErrKeyRevoked, key)

	got := r.collect(t)
	st := r.svc.Stats()
	expect := map[string]map[string]float64{
		"keyauth.auth.requests": {"ok,cold": 1, "ok,cached": 2, "invalid,cached": 1, "invalid,none": 1, "revoked,cached": 1, "revoked,cold": 0},
		"keyauth.auth.duration": {"ok,cold": 1, "sum:ok,cold": 0.001, "ok,cached": 2, "sum:ok,cached": 0.002,
			"invalid,cached": 1, "invalid,none": 1, "revoked,cached": 1, "sum:revoked,cached": 0.001},
		"keyauth.lastused.pending": {"": 1},
		"keyauth.hash.runs":        {"": 1},
		"keyauth.cache.lookups":    {"hit": float64(st.CacheHits), "miss": 1},
		"keyauth.cache.keys":       {"": 1},
		"keyauth.auth.refusals":    {"invalid": 2, "expired": 0, "revoked": 1, "unavailable": 0, "corrupt": 0},
		"keyauth.feed.polls":       {"ok": 1, "failed": 0},
		"keyauth.feed.lag":         {"": 0},
	}
	if st.CacheHits < 3 {
		t.Errorf("Stats.CacheHits = %d after two cached passes and a revoked key", st.CacheHits)
	}
	for name, vals := range expect {
		for attr, v := range vals {
			if g, ok := got[name][attr]; !ok || !near(g, v) {
				t.Errorf("%s{%s} = %v (present %v), want %v", name, attr, g, ok, v)
			}
		}
	}
	for _, name := range []string{"keyauth.hash.slot_timeouts", "keyauth.cache.refreshes", "keyauth.lastused.flushes", "keyauth.lastused.written"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no %s", name)
		}
	}

	// The lag grows with the clock until the next good poll.
	r.clock.Advance(5 * time.Second)
	if lag := r.collect(t)["keyauth.feed.lag"][""]; !near(lag, 5) {
		t.Errorf("lag after 5s without a poll = %v", lag)
	}
	if err := r.svc.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.collect(t); !near(got["keyauth.feed.lag"][""], 0) || got["keyauth.feed.polls"]["ok"] != 2 {
		t.Errorf("after a poll: lag %v, polls %v", got["keyauth.feed.lag"], got["keyauth.feed.polls"])
	}

	// Spans: the store calls, the cold path's Get with the key id, never
	// key text, and no organization id without the option.
	counts := map[string]int{}
	for _, s := range r.spans.GetSpans() {
		counts[s.Name]++
		for _, a := range s.Attributes {
			if strings.Contains(a.Value.String(), key[:20]) {
				t.Errorf("span %s holds key text in %s", s.Name, a.Key)
			}
			if a.Key == otelauth.AttrOrgID {
				t.Errorf("span %s has the org id without OrgIDInSpans", s.Name)
			}
		}
		if s.Name == "keyauth.store.Get" && attr(s, otelauth.AttrKeyID) != k.ID {
			t.Errorf("Get span key id = %q, want %s", attr(s, otelauth.AttrKeyID), k.ID)
		}
	}
	if counts["keyauth.store.Create"] != 1 || counts["keyauth.store.Get"] < 1 || counts["keyauth.store.Revoke"] != 1 || counts["keyauth.store.Changes"] != 2 {
		t.Errorf("spans: %v", counts)
	}
}

// TestOrgIDInSpans: with the option, store spans carry the organization.
func TestOrgIDInSpans(t *testing.T) {
	r := newRig(t, true)
	ctx := context.Background()
	_, secret, err := r.svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "ci", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.auth.Authenticate(ctx, secret.Reveal()); err != nil {
		t.Fatal(err)
	}
	for _, s := range r.spans.GetSpans() {
		if s.Name == "keyauth.store.Get" || s.Name == "keyauth.store.Create" {
			if got := attr(s, otelauth.AttrOrgID); got != "acme" {
				t.Errorf("%s: org id %q", s.Name, got)
			}
		}
	}
}

// TestStoreFailureSpan: a failing store call ends its span with an error;
// an unknown key is no failure.
func TestStoreFailureSpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	s, _ := otelauth.WrapStore(failingStore{memstore.New()}, otelauth.Options{TracerProvider: tp})
	_, _ = s.Get(context.Background(), "AbCdEfGhIjKl")
	mem, _ := otelauth.WrapStore(memstore.New(), otelauth.Options{TracerProvider: tp})
	_, _ = mem.Get(context.Background(), "AbCdEfGhIjKl")
	spans := exp.GetSpans()
	if len(spans) != 2 || spans[0].Status.Code.String() != "Error" || spans[1].Status.Code.String() == "Error" {
		t.Errorf("spans: %+v", spans)
	}
}

type failingStore struct{ apikey.Store }

func (failingStore) Get(context.Context, string) (apikey.Record, error) {
	return apikey.Record{}, errors.New("connection refused")
}

func attr(s tracetest.SpanStub, k attributeKey) string {
	for _, a := range s.Attributes {
		if a.Key == k {
			return a.Value.String()
		}
	}
	return ""
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
