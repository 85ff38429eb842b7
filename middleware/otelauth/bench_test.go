package otelauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/otelauth"
	"github.com/driive/keyauth/store/memstore"
)

type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkMetrics measures what the metrics cost on the cached middleware
// path: the same request with a warmed key behind the middleware on the
// Service itself (plain), and on WrapAuthenticator with the OpenTelemetry
// SDK's MeterProvider and RegisterStats, with the default
// DurationEvery (metrics) and timing every request (metrics-every). Goal:
// metrics - plain <= 100 ns.
func BenchmarkMetrics(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = svc.Run(ctx) }()
	defer svc.Close(context.Background())
	_, secret, err := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "bench", Permission: apikey.Write})
	if err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); svc.Stats().Syncs == 0; {
		if time.Now().After(deadline) {
			b.Fatal("the change feed was never read")
		}
		time.Sleep(time.Millisecond)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	wrapped, err := otelauth.WrapAuthenticator(svc, otelauth.Options{MeterProvider: mp})
	if err != nil {
		b.Fatal(err)
	}
	every, err := otelauth.WrapAuthenticator(svc, otelauth.Options{MeterProvider: mp, DurationEvery: 1})
	if err != nil {
		b.Fatal(err)
	}
	reg, err := otelauth.RegisterStats(svc, otelauth.Options{MeterProvider: mp})
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Unregister()

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	r := httptest.NewRequest("GET", "/v1/organizations/acme/whoami", nil)
	r.SetPathValue("orgId", "acme")
	r.Header.Set("Authorization", "Bearer "+secret.Reveal())
	for _, tc := range []struct {
		name string
		auth middleware.Authenticator
	}{{"plain", svc}, {"metrics", wrapped}, {"metrics-every", every}} {
		mw, err := middleware.New(middleware.Config{Authenticator: tc.auth})
		if err != nil {
			b.Fatal(err)
		}
		h := mw.Handler(handler)
		b.Run(tc.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, r)
			if w.code != 200 {
				b.Fatalf("status %d", w.code)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0, ok := cpuTime()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
			reportCPU(b, cpu0, ok)
		})
	}
}

// BenchmarkWrapperOnly isolates the wrapper: an Authenticator that answers
// at once, bare, wrapped, and wrapped timing every call; then the same
// for one that also says which path answered (AuthenticatePath, as
// *apikey.Service does), whose counts and samples are by path too.
func BenchmarkWrapperOnly(b *testing.B) {
	p := apikey.Principal{KeyID: "AbCdEfGhIjKl", OrgID: "acme", Permission: apikey.Write}
	bare := authFunc(func(context.Context, string) (apikey.Principal, error) { return p, nil })
	barePath := pathAuthFunc(func(context.Context, string) (apikey.Principal, apikey.Path, error) { return p, apikey.PathCached, nil })
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	wrap := func(a middleware.Authenticator, every int) middleware.Authenticator {
		w, err := otelauth.WrapAuthenticator(a, otelauth.Options{MeterProvider: mp, DurationEvery: every})
		if err != nil {
			b.Fatal(err)
		}
		return w
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		auth middleware.Authenticator
	}{
		{"bare", bare}, {"wrapped", wrap(bare, 0)}, {"wrapped-every", wrap(bare, 1)},
		{"path/bare", barePath}, {"path/wrapped", wrap(barePath, 0)}, {"path/wrapped-every", wrap(barePath, 1)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0, ok := cpuTime()
			for b.Loop() {
				_, _ = tc.auth.Authenticate(ctx, "dk_token")
			}
			reportCPU(b, cpu0, ok)
		})
	}
}

// BenchmarkWrapperParallel is BenchmarkWrapperOnly's path/wrapped on
// every core at once, each goroutine with a key of its own: what the
// cores share is what they all write. With -cpu 1,2,... ns/op should fall
// with the cores.
func BenchmarkWrapperParallel(b *testing.B) {
	p := apikey.Principal{KeyID: "AbCdEfGhIjKl", OrgID: "acme", Permission: apikey.Write}
	barePath := pathAuthFunc(func(context.Context, string) (apikey.Principal, apikey.Path, error) { return p, apikey.PathCached, nil })
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	w, err := otelauth.WrapAuthenticator(barePath, otelauth.Options{MeterProvider: mp})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var next atomic.Uint32
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		// Keys of the default format, differing where keys differ.
		token := fmt.Sprintf("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy%06d", next.Add(1)*7919)
		for pb.Next() {
			_, _ = w.Authenticate(ctx, token)
		}
	})
}

// reportCPU reports the process's CPU time per operation since cpu0
// (cpu-ns/op): on a loaded machine it varies less than wall-clock ns/op,
// which counts the time other processes held the CPU. It includes the
// Service's background work and the garbage collector.
func reportCPU(b *testing.B, cpu0 time.Duration, ok bool) {
	if cpu1, ok1 := cpuTime(); ok && ok1 && b.N > 0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

type authFunc func(context.Context, string) (apikey.Principal, error)

func (f authFunc) Authenticate(ctx context.Context, t string) (apikey.Principal, error) {
	return f(ctx, t)
}

// pathAuthFunc is an Authenticator with AuthenticatePath; its
// Authenticate calls the function too.
type pathAuthFunc func(context.Context, string) (apikey.Principal, apikey.Path, error)

func (f pathAuthFunc) Authenticate(ctx context.Context, t string) (apikey.Principal, error) {
	p, _, err := f(ctx, t)
	return p, err
}

func (f pathAuthFunc) AuthenticatePath(ctx context.Context, t string) (apikey.Principal, apikey.Path, error) {
	return f(ctx, t)
}
