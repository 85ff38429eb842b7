package main

// Benchmarking aids, used by internal/loadtest. Neither changes a command,
// flag or output of the example's contract: one is off unless an
// environment variable asks for it, the other is a log line on stderr at
// shutdown.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/driive/keyauth/apikey"
)

// benchNoAuthEnv names a loopback address (127.0.0.1:PORT) on which, when
// set, the server also answers the same API's reads (GET and HEAD) without
// authentication, so a load test can compare the two. It is a benchmarking
// aid: it shows every organization's data to anyone who can reach it, hence
// loopback only and read only.
const benchNoAuthEnv = "DRIIVE_BENCH_NOAUTH_ADDR"

// benchServer is the unauthenticated listener; nil when it is off.
type benchServer struct{ srv *http.Server }

// startBenchNoAuth serves the API without authentication on addr when addr
// is set. A request gets a write principal of the organization in its
// path, so the handlers behind run exactly as they do after the keyauth
// middleware.
func startBenchNoAuth(ctx context.Context, d *database, cfg serverConfig) (*benchServer, error) {
	if cfg.BenchNoAuthAddr == "" {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(cfg.BenchNoAuthAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s must be a loopback address such as 127.0.0.1:8081", benchNoAuthEnv)
	}
	cursorKey, err := d.cursorKey(ctx)
	if err != nil {
		return nil, err
	}
	h, err := newHandler(handlerConfig{DB: d, CursorKey: cursorKey, Auth: trustPathOrg,
		Web: http.NotFoundHandler(), Logger: cfg.Log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.BenchNoAuthAddr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			cfg.Log.Error("driive: benchmark listener", "error", err)
		}
	}()
	cfg.Log.Warn("driive: serving the API WITHOUT authentication (benchmarking aid)", "addr", dialable(ln.Addr()), "env", benchNoAuthEnv)
	return &benchServer{srv: srv}, nil
}

func (b *benchServer) shutdown(ctx context.Context) {
	if b != nil {
		_ = b.srv.Shutdown(ctx) // best effort: the process is exiting
	}
}

// trustPathOrg stands in for the keyauth middleware on the benchmark
// listener: for reads it does what the middleware does after a successful
// check; anything that would change data is refused.
func trustPathOrg(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the benchmark listener is read-only", http.StatusMethodNotAllowed)
			return
		}
		p := apikey.Principal{KeyID: "benchmark", OrgID: r.PathValue("orgId"), Permission: apikey.Read,
			Name: "benchmark", Prefix: "benchmark"}
		next.ServeHTTP(w, r.WithContext(apikey.NewContext(r.Context(), p)))
	})
}

// logServiceStats writes the key service's counters as one line at
// shutdown, so a load test can tell how many argon2id runs, change-feed
// polls and last-used writes a run cost. Counters only: no key.
func logServiceStats(log *slog.Logger, st apikey.Stats, uptime time.Duration) {
	log.LogAttrs(context.Background(), slog.LevelInfo, "driive: keyauth stats",
		slog.Duration("uptime", uptime),
		slog.Uint64("hash_runs", st.HashRuns), slog.Uint64("hash_timeouts", st.HashTimeouts),
		slog.Uint64("cache_hits", st.CacheHits), slog.Uint64("cache_misses", st.CacheMisses),
		slog.Uint64("refreshes", st.Refreshes), slog.Uint64("throttled", st.Throttled),
		slog.Uint64("invalid", st.Invalid), slog.Uint64("expired", st.Expired),
		slog.Uint64("revoked", st.Revoked), slog.Uint64("unavailable", st.Unavailable),
		slog.Uint64("corrupt", st.Corrupt),
		slog.Uint64("syncs", st.Syncs), slog.Uint64("sync_failures", st.SyncFailures),
		slog.Uint64("flushes", st.Flushes), slog.Uint64("flush_failures", st.FlushFailures),
		slog.Uint64("last_use_written", st.LastUseWritten), slog.Int("cached_keys", st.CachedKeys))
}
