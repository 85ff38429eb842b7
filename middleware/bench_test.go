package middleware_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/memstore"
)

// discardWriter is the cheapest ResponseWriter: the benchmarks measure the
// middleware, not a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkMiddleware compares a handler without auth (bare) with the same
// handler behind the middleware and a warmed key (cached), and measures
// the rejection paths. The goal: cached - bare <= 8 x one SHA-256 of a
// 50-byte key (sha256_key_baseline).
func BenchmarkMiddleware(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Hash: fastHash})
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = svc.Run(ctx) }() // keeps the change feed fresh: no store read per request
	defer svc.Close(context.Background())
	_, secret, err := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "bench", Permission: apikey.Write})
	if err != nil {
		b.Fatal(err)
	}
	key := remember(secret.Reveal())
	// Wait for the first sync so that the cached path is the fresh one.
	for deadline := time.Now().Add(5 * time.Second); svc.Stats().Syncs == 0; {
		if time.Now().After(deadline) {
			b.Fatal("the change feed was never read")
		}
		time.Sleep(time.Millisecond)
	}
	mw, err := middleware.New(middleware.Config{Authenticator: svc})
	if err != nil {
		b.Fatal(err)
	}
	var handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	protected := mw.Handler(handler)

	newRequest := func(auth string) *http.Request {
		r := httptest.NewRequest("GET", "/v1/organizations/acme/whoami", nil)
		r.SetPathValue("orgId", "acme")
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		return r
	}
	run := func(h http.Handler, r *http.Request, want int) func(b *testing.B) {
		return func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, r) // warm the cache
			if w.code != want {
				b.Fatalf("status %d, want %d", w.code, want)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				h.ServeHTTP(w, r)
			}
		}
	}
	withKey := newRequest("Bearer " + key)
	b.Run("bare", run(handler, withKey, 200))
	b.Run("cached", run(protected, withKey, 200))
	b.Run("missing", run(protected, newRequest(""), 401))
	b.Run("bad_checksum", run(protected, newRequest("Bearer "+badChecksum(key)), 401))
	b.Run("unknown_id", run(protected, newRequest("Bearer "+unknownID()), 401))
	// The unit of the goal, measured in the same run: one SHA-256 of a
	// 50-byte key.
	b.Run("sha256_key_baseline", func(b *testing.B) {
		text := []byte(key[:50])
		var sum [sha256.Size]byte
		b.ReportAllocs()
		for b.Loop() {
			sum = sha256.Sum256(text)
		}
		_ = sum
	})
}
