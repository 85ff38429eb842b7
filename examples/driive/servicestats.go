package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/driive/keyauth/apikey"
)

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
		slog.Uint64("last_use_written", st.LastUseWritten), slog.Int("cached_keys", st.CachedKeys),
		slog.Uint64("store_reads", st.StoreReads), slog.Uint64("tag_rejects", st.TagRejects),
		slog.Int("hash_slots", st.HashSlots), slog.Uint64("evictions", st.Evictions))
}
