package otelauth

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/driive/keyauth/apikey"
)

// StatsSource is what RegisterStats reads: *apikey.Service satisfies it.
type StatsSource interface {
	Stats() apikey.Stats
}

// RegisterStats reports src's counters as observable instruments, read
// once per collection:
//
//	keyauth.hash.runs             counter  argon2id verifications run
//	keyauth.hash.slot_timeouts    counter  requests that waited for an argon2id slot in vain
//	keyauth.cache.lookups         counter  by result: hit (cached path) or miss (cold path)
//	keyauth.cache.refreshes       counter  cached keys re-read because the change feed was stale
//	keyauth.cache.keys            gauge    keys in the cache
//	keyauth.auth.refusals         counter  by outcome: invalid, expired, revoked, unavailable, corrupt, throttled
//	keyauth.feed.polls            counter  change-feed polls by result: ok or failed
//	keyauth.feed.lag              gauge    seconds since the last good poll, as seen at collection
//	keyauth.lastused.flushes      counter  last-used writes by result: ok or failed
//	keyauth.lastused.written      counter  last-used times written
//
// The lag is measured between collections: it is exact to the collection
// interval. Unregister the returned Registration when src goes away.
func RegisterStats(src StatsSource, o Options) (metric.Registration, error) {
	if src == nil {
		return nil, errors.New("otelauth: RegisterStats: nil StatsSource")
	}
	m := o.meter()
	var errs []error
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	hashRuns := counter("keyauth.hash.runs", "{run}", "argon2id verifications run")
	slotTimeouts := counter("keyauth.hash.slot_timeouts", "{request}", "requests that waited for an argon2id slot in vain")
	lookups := counter("keyauth.cache.lookups", "{request}", "authentications by cache result: hit (cached path) or miss (cold path)")
	refreshes := counter("keyauth.cache.refreshes", "{key}", "cached keys re-read because the change feed was stale")
	refusals := counter("keyauth.auth.refusals", "{request}", "authentications refused, by outcome")
	polls := counter("keyauth.feed.polls", "{poll}", "change-feed polls by result")
	flushes := counter("keyauth.lastused.flushes", "{flush}", "last-used writes by result")
	written := counter("keyauth.lastused.written", "{use}", "last-used times written")
	cached, err := m.Int64ObservableGauge("keyauth.cache.keys", metric.WithUnit("{key}"), metric.WithDescription("keys in the cache"))
	errs = append(errs, err)
	lag, err := m.Float64ObservableGauge("keyauth.feed.lag", metric.WithUnit("s"), metric.WithDescription("time since the last good change-feed poll"))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	now := o.Now
	if now == nil {
		now = time.Now
	}
	var mu sync.Mutex // the callback may run from several readers
	lastSyncs, lastGood := uint64(0), now()
	with := func(k, v string) metric.ObserveOption {
		return metric.WithAttributeSet(attribute.NewSet(attribute.String(k, v)))
	}
	hit, miss := with("result", "hit"), with("result", "miss")
	ok, failed := with("result", "ok"), with("result", "failed")
	outcomes := [...]metric.ObserveOption{
		with("outcome", "invalid"), with("outcome", "expired"), with("outcome", "revoked"),
		with("outcome", "unavailable"), with("outcome", "corrupt"), with("outcome", "throttled"),
	}
	return m.RegisterCallback(func(_ context.Context, ob metric.Observer) error {
		st := src.Stats()
		ob.ObserveInt64(hashRuns, clamp(st.HashRuns))
		ob.ObserveInt64(slotTimeouts, clamp(st.HashTimeouts))
		ob.ObserveInt64(lookups, clamp(st.CacheHits), hit)
		ob.ObserveInt64(lookups, clamp(st.CacheMisses), miss)
		ob.ObserveInt64(refreshes, clamp(st.Refreshes))
		for i, n := range [...]uint64{st.Invalid, st.Expired, st.Revoked, st.Unavailable, st.Corrupt, st.Throttled} {
			ob.ObserveInt64(refusals, clamp(n), outcomes[i])
		}
		ob.ObserveInt64(polls, clamp(st.Syncs), ok)
		ob.ObserveInt64(polls, clamp(st.SyncFailures), failed)
		ob.ObserveInt64(flushes, clamp(st.Flushes), ok)
		ob.ObserveInt64(flushes, clamp(st.FlushFailures), failed)
		ob.ObserveInt64(written, clamp(st.LastUseWritten))
		ob.ObserveInt64(cached, int64(st.CachedKeys))
		t := now()
		mu.Lock()
		if st.Syncs != lastSyncs {
			lastSyncs, lastGood = st.Syncs, t
		}
		ob.ObserveFloat64(lag, t.Sub(lastGood).Seconds())
		mu.Unlock()
		return nil
	}, hashRuns, slotTimeouts, lookups, refreshes, refusals, polls, flushes, written, cached, lag)
}

func clamp(n uint64) int64 {
	if n > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(n)
}
