package otelauth_test

import (
	"context"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware/otelauth"
)

// TestDurationSample: every authentication is counted, one in
// DurationEvery is timed, counted by arrival whatever its outcome.
func TestDurationSample(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	// Even arrivals succeed, odd ones are refused.
	n := 0
	inner := authFunc(func(context.Context, string) (apikey.Principal, error) {
		n++
		if n%2 == 1 {
			return apikey.Principal{}, apikey.ErrInvalidKey
		}
		return apikey.Principal{KeyID: "AbCdEfGhIjKl"}, nil
	})
	auth, err := otelauth.WrapAuthenticator(inner, otelauth.Options{
		MeterProvider: mp, DurationEvery: 3, Now: (&stepClock{step: time.Millisecond}).Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		_, _ = auth.Authenticate(context.Background(), "dk_token")
	}
	got := (&rig{reader: reader}).collect(t)
	// Arrivals 3 and 9 (refused) and 6 (ok) are timed, one step each.
	want := map[string]map[string]float64{
		"keyauth.auth.requests": {"ok": 5, "invalid": 5, "expired": 0, "revoked": 0, "unavailable": 0, "corrupt": 0, "schema_outdated": 0, "error": 0},
		"keyauth.auth.duration": {"ok": 1, "sum:ok": 0.001, "invalid": 2, "sum:invalid": 0.002},
	}
	for name, vals := range want {
		if len(got[name]) != len(vals) {
			t.Errorf("%s: %v, want %v", name, got[name], vals)
		}
		for attr, v := range vals {
			if g, ok := got[name][attr]; !ok || !near(g, v) {
				t.Errorf("%s{%s} = %v (present %v), want %v", name, attr, g, ok, v)
			}
		}
	}
}

// TestCountsOverManyKeys: requests with different keys are counted
// apart (the wrapper spreads them over counters by the key's last
// character) and the counter sums them all; one in DurationEvery of each
// key's requests is timed, and the empty text is counted too.
func TestCountsOverManyKeys(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	inner := authFunc(func(_ context.Context, tok string) (apikey.Principal, error) {
		if tok == "" {
			return apikey.Principal{}, apikey.ErrInvalidKey
		}
		return apikey.Principal{KeyID: "AbCdEfGhIjKl"}, nil
	})
	auth, err := otelauth.WrapAuthenticator(inner, otelauth.Options{MeterProvider: mp, DurationEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for i := range chars {
		for range 4 {
			_, _ = auth.Authenticate(context.Background(), "dk_key"+chars[i:i+1])
		}
	}
	_, _ = auth.Authenticate(context.Background(), "")
	got := (&rig{reader: reader}).collect(t)
	if ok, invalid := got["keyauth.auth.requests"]["ok"], got["keyauth.auth.requests"]["invalid"]; ok != 4*float64(len(chars)) || invalid != 1 {
		t.Errorf("requests: ok %v, invalid %v; want %d and 1", ok, invalid, 4*len(chars))
	}
	// Keys that share a last character modulo the spread share a
	// sequence; each set of keys is 4 requests per key, so exactly half.
	if timed := got["keyauth.auth.duration"]["ok"]; timed != 2*float64(len(chars)) {
		t.Errorf("timed: %v, want %d", timed, 2*len(chars))
	}
}

// TestDurationRealClock: without Options.Now, durations come from the
// monotonic clock and are never negative.
func TestDurationRealClock(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	inner := authFunc(func(context.Context, string) (apikey.Principal, error) { return apikey.Principal{}, nil })
	auth, err := otelauth.WrapAuthenticator(inner, otelauth.Options{MeterProvider: mp, DurationEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, _ = auth.Authenticate(context.Background(), "dk_token")
	}
	got := (&rig{reader: reader}).collect(t)["keyauth.auth.duration"]
	if got["ok"] != 3 || got["sum:ok"] < 0 {
		t.Errorf("duration: %v", got)
	}
}

func TestWrapAuthenticatorErrors(t *testing.T) {
	inner := authFunc(func(context.Context, string) (apikey.Principal, error) { return apikey.Principal{}, nil })
	if _, err := otelauth.WrapAuthenticator(inner, otelauth.Options{DurationEvery: -1}); err == nil {
		t.Error("DurationEvery -1: no error")
	}
	if _, err := otelauth.WrapAuthenticator(nil, otelauth.Options{}); err == nil {
		t.Error("nil Authenticator: no error")
	}
}
