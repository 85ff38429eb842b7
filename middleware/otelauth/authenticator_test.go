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
