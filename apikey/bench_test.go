package apikey_test

import (
	"context"
	"crypto/sha256"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

var (
	sinkDigest    [sha256.Size]byte
	sinkPrincipal apikey.Principal
	sinkBool      bool
)

// benchService is a Service on memstore with the default (19 MiB) argon2id
// parameters and the real clock.
func benchService(b *testing.B, cfg apikey.Config) (*apikey.Service, *memstore.Store) {
	b.Helper()
	mem := memstore.New()
	cfg.Store = mem
	svc, err := apikey.NewService(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return svc, mem
}

func benchKey(b *testing.B, svc *apikey.Service) string {
	b.Helper()
	_, sec, err := svc.Create(context.Background(), apikey.CreateParams{OrgID: "bench", Name: "bench", Permission: apikey.Read})
	if err != nil {
		b.Fatal(err)
	}
	return sec.Reveal()
}

// warmCache runs svc's Run until the benchmark ends, waits until Run has
// read the change feed (so the cache is trusted), and caches tokens.
func warmCache(b *testing.B, svc *apikey.Service, tokens ...string) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	for svc.Stats().Syncs == 0 {
		time.Sleep(time.Millisecond)
	}
	for _, tok := range tokens {
		if _, err := svc.Authenticate(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the unit the cached path is measured in: one
// SHA-256 of a 50-byte key.
func BenchmarkSHA256(b *testing.B) {
	key := []byte("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1l")[:50]
	b.ReportAllocs()
	for b.Loop() {
		sinkDigest = sha256.Sum256(key)
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()

	b.Run("cached", func(b *testing.B) {
		svc, _ := benchService(b, apikey.Config{})
		token := benchKey(b, svc)
		warmCache(b, svc, token)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			p, err := svc.Authenticate(ctx, token)
			if err != nil {
				b.Fatal(err)
			}
			sinkPrincipal = p
		}
		b.StopTimer()
		if st := svc.Stats(); st.HashRuns != 1 || st.Refreshes != 0 {
			b.Fatalf("not the cached path: %+v", st)
		}
	})

	b.Run("cached_parallel", func(b *testing.B) {
		// The cached path on every core at once, each goroutine with a key
		// of its own (as many clients are): what the cores share is what
		// they all write. With -cpu 1,2,... ns/op should fall with the
		// cores.
		svc, _ := benchService(b, apikey.Config{})
		tokens := make([]string, 8)
		for i := range tokens {
			tokens[i] = benchKey(b, svc)
		}
		warmCache(b, svc, tokens...)
		var next atomic.Uint32
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			tok := tokens[int(next.Add(1)-1)%len(tokens)]
			for pb.Next() {
				if _, err := svc.Authenticate(ctx, tok); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		if st := svc.Stats(); st.HashRuns != uint64(len(tokens)) || st.Refreshes != 0 || st.CacheHits < uint64(b.N) {
			b.Fatalf("not the cached path: %+v", st)
		}
	})

	b.Run("sha256_lookup_baseline", func(b *testing.B) {
		// The least a digest cache can do: hash the token, look it up.
		token := []byte("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQET")
		m := map[[sha256.Size]byte]apikey.Principal{sha256.Sum256(token): {KeyID: "AbCdEfGhIjKl", OrgID: "bench"}}
		b.ReportAllocs()
		for b.Loop() {
			p, ok := m[sha256.Sum256(token)]
			sinkPrincipal, sinkBool = p, ok
		}
	})

	b.Run("argon2_per_request_baseline", func(b *testing.B) {
		// What a service without the cache pays on every request: argon2id
		// at the default parameters (m=19 MiB, t=2, p=1).
		token := "dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQET"
		hash, err := argon2id.CreateHash(token, &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ok, err := argon2id.ComparePasswordAndHash(token, hash)
			if err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})

	b.Run("cold", func(b *testing.B) {
		// Two keys and room for one: each request evicts the other key,
		// so every request reads the store and runs argon2id.
		svc, _ := benchService(b, apikey.Config{CacheSize: 1})
		tokens := [2]string{benchKey(b, svc), benchKey(b, svc)}
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			if _, err := svc.Authenticate(ctx, tokens[i%2]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.StopTimer()
		if st := svc.Stats(); st.HashRuns != uint64(i) {
			b.Fatalf("HashRuns %d for %d requests: not all cold", st.HashRuns, i)
		}
	})
}
