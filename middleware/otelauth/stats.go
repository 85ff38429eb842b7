package otelauth

import (
	"context"
	"errors"
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
// once per collection. Counters are monotonic sums of the Stats counter of
// the same meaning; gauges are levels read at collection.
//
//	keyauth.auth.refusals           counter  {request}  by outcome: invalid, expired, revoked, unavailable, corrupt
//	keyauth.cache.lookups           counter  {request}  by result: hit (cached path) or miss (cold path)
//	keyauth.cache.keys              gauge    {key}      keys in the cache
//	keyauth.cache.limit             gauge    {key}      Config.CacheSize
//	keyauth.cache.evictions         counter  {key}      keys dropped to make room
//	keyauth.cache.recent_evictions  counter  {key}      of those, keys used within the minute before
//	keyauth.cache.refreshes         counter  {key}      cached keys' statuses re-read because the change feed was stale
//	keyauth.store.reads             counter  {read}     Store.Get calls made to authenticate
//	keyauth.cold.kept_reads         counter  {request}  cold requests answered from a read kept for a second
//	keyauth.cold.kept_ids           gauge    {id}       ids whose read is kept
//	keyauth.cold.unknown_ids        counter  {request}  refusals of a well-formed key whose id is not in the store
//	keyauth.cold.tag_rejects        counter  {request}  wrong secrets refused by the check tag, without argon2id
//	keyauth.cold.throttled          counter  {request}  unavailable answers without a store read, after a failed one
//	keyauth.hash.runs               counter  {run}      argon2id verifications run
//	keyauth.hash.failures           counter  {run}      of those, runs that refused the secret
//	keyauth.hash.slot_waits         counter  {run}      argon2id runs that found every slot taken and waited
//	keyauth.hash.slot_timeouts      counter  {request}  requests that waited for an argon2id slot in vain
//	keyauth.hash.slots.in_use       gauge    {slot}     argon2id slots taken
//	keyauth.hash.slots.limit        gauge    {slot}     Config.MaxConcurrentHashes
//	keyauth.tag.writes              counter  {write}    check tags written by result: ok or failed
//	keyauth.feed.polls              counter  {poll}     change-feed polls by result: ok or failed
//	keyauth.feed.lag                gauge    s          time since the start of the last good poll
//	keyauth.lastused.flushes        counter  {flush}    last-used writes by result: ok or failed
//	keyauth.lastused.written        counter  {use}      last-used times written
//	keyauth.lastused.pending        gauge    {use}      last-used times recorded, not written yet
//
// The refusal outcomes partition the refusals; the keyauth.cold.* refusals
// and slot timeouts are also in them (unknown ids and tag rejects in
// invalid, throttled answers and slot timeouts in unavailable).
//
// Each collection calls src.Stats once; for a Service, that reads every
// cached key for keyauth.lastused.pending (about 0.25 ms at 100,000 keys).
//
// The lag is Options.Now minus Stats.LastSync; before the first good poll
// it is the time since RegisterStats. Unregister the returned Registration
// when src goes away.
func RegisterStats(src StatsSource, o Options) (metric.Registration, error) {
	if src == nil {
		return nil, errors.New("otelauth: RegisterStats: nil StatsSource")
	}
	m := o.meter()
	now := o.Now
	if now == nil {
		now = time.Now
	}
	registered := now()

	var errs []error
	var observables []metric.Observable
	type point struct {
		opt metric.ObserveOption // nil: no attribute
		get func(*apikey.Stats) int64
	}
	type reading struct {
		obs    metric.Int64Observable
		points []point
	}
	var readings []reading
	add := func(gauge bool, name, unit, desc string, points ...point) {
		var obs metric.Int64Observable
		var err error
		if gauge {
			obs, err = m.Int64ObservableGauge(name, metric.WithUnit(unit), metric.WithDescription(desc))
		} else {
			obs, err = m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		}
		errs = append(errs, err)
		observables = append(observables, obs)
		readings = append(readings, reading{obs, points})
	}
	with := func(k, v string) metric.ObserveOption {
		return metric.WithAttributeSet(attribute.NewSet(attribute.String(k, v)))
	}
	n := func(f func(*apikey.Stats) uint64) point {
		return point{get: func(st *apikey.Stats) int64 { return clamp(f(st)) }}
	}
	by := func(k, v string, f func(*apikey.Stats) uint64) point {
		return point{opt: with(k, v), get: func(st *apikey.Stats) int64 { return clamp(f(st)) }}
	}
	level := func(f func(*apikey.Stats) int) point {
		return point{get: func(st *apikey.Stats) int64 { return int64(f(st)) }}
	}
	const counter, gauge = false, true

	add(counter, "keyauth.auth.refusals", "{request}", "authentications refused, by outcome",
		by("outcome", "invalid", func(st *apikey.Stats) uint64 { return st.Invalid }),
		by("outcome", "expired", func(st *apikey.Stats) uint64 { return st.Expired }),
		by("outcome", "revoked", func(st *apikey.Stats) uint64 { return st.Revoked }),
		by("outcome", "unavailable", func(st *apikey.Stats) uint64 { return st.Unavailable }),
		by("outcome", "corrupt", func(st *apikey.Stats) uint64 { return st.Corrupt }))

	add(counter, "keyauth.cache.lookups", "{request}", "authentications by cache result: hit (cached path) or miss (cold path)",
		by("result", "hit", func(st *apikey.Stats) uint64 { return st.CacheHits }),
		by("result", "miss", func(st *apikey.Stats) uint64 { return st.CacheMisses }))
	add(gauge, "keyauth.cache.keys", "{key}", "keys in the cache",
		level(func(st *apikey.Stats) int { return st.CachedKeys }))
	add(gauge, "keyauth.cache.limit", "{key}", "keys the cache holds at most (Config.CacheSize)",
		level(func(st *apikey.Stats) int { return st.CacheSize }))
	add(counter, "keyauth.cache.evictions", "{key}", "keys dropped from the cache to make room",
		n(func(st *apikey.Stats) uint64 { return st.Evictions }))
	add(counter, "keyauth.cache.recent_evictions", "{key}", "evictions of keys used within the minute before: the cache is too small",
		n(func(st *apikey.Stats) uint64 { return st.RecentEvictions }))
	add(counter, "keyauth.cache.refreshes", "{key}", "cached keys' statuses re-read because the change feed was stale",
		n(func(st *apikey.Stats) uint64 { return st.Refreshes }))

	add(counter, "keyauth.store.reads", "{read}", "Store.Get calls made to authenticate",
		n(func(st *apikey.Stats) uint64 { return st.StoreReads }))
	add(counter, "keyauth.cold.kept_reads", "{request}", "cold requests answered from the read of their id kept for a second, without a store read",
		n(func(st *apikey.Stats) uint64 { return st.KeptReads }))
	add(gauge, "keyauth.cold.kept_ids", "{id}", "ids whose store read is kept",
		level(func(st *apikey.Stats) int { return st.KeptIDs }))
	add(counter, "keyauth.cold.unknown_ids", "{request}", "refusals of a well-formed key whose id is not in the store",
		n(func(st *apikey.Stats) uint64 { return st.UnknownIDs }))
	add(counter, "keyauth.cold.tag_rejects", "{request}", "wrong secrets refused by the check tag, without an argon2id run",
		n(func(st *apikey.Stats) uint64 { return st.TagRejects }))
	add(counter, "keyauth.cold.throttled", "{request}", "unavailable answers given without a store read, because a read for the key failed less than a second before",
		n(func(st *apikey.Stats) uint64 { return st.Throttled }))

	add(counter, "keyauth.hash.runs", "{run}", "argon2id verifications run",
		n(func(st *apikey.Stats) uint64 { return st.HashRuns }))
	add(counter, "keyauth.hash.failures", "{run}", "argon2id verifications that refused the secret",
		n(func(st *apikey.Stats) uint64 { return st.HashFailures }))
	add(counter, "keyauth.hash.slot_waits", "{run}", "argon2id runs (and key creations) that found every slot taken and waited for one",
		n(func(st *apikey.Stats) uint64 { return st.HashWaits }))
	add(counter, "keyauth.hash.slot_timeouts", "{request}", "requests that waited for an argon2id slot in vain",
		n(func(st *apikey.Stats) uint64 { return st.HashTimeouts }))
	add(gauge, "keyauth.hash.slots.in_use", "{slot}", "argon2id slots taken",
		level(func(st *apikey.Stats) int { return st.HashSlotsInUse }))
	add(gauge, "keyauth.hash.slots.limit", "{slot}", "argon2id runs at a time at most (Config.MaxConcurrentHashes)",
		level(func(st *apikey.Stats) int { return st.HashSlots }))
	add(counter, "keyauth.tag.writes", "{write}", "check tags written for keys verified without one, by result",
		by("result", "ok", func(st *apikey.Stats) uint64 { return st.TagsWritten }),
		by("result", "failed", func(st *apikey.Stats) uint64 { return st.TagWriteFailures }))

	add(counter, "keyauth.feed.polls", "{poll}", "change-feed polls by result",
		by("result", "ok", func(st *apikey.Stats) uint64 { return st.Syncs }),
		by("result", "failed", func(st *apikey.Stats) uint64 { return st.SyncFailures }))
	add(counter, "keyauth.lastused.flushes", "{flush}", "last-used writes by result",
		by("result", "ok", func(st *apikey.Stats) uint64 { return st.Flushes }),
		by("result", "failed", func(st *apikey.Stats) uint64 { return st.FlushFailures }))
	add(counter, "keyauth.lastused.written", "{use}", "last-used times written",
		n(func(st *apikey.Stats) uint64 { return st.LastUseWritten }))
	add(gauge, "keyauth.lastused.pending", "{use}", "last-used times recorded but not written to the store yet",
		level(func(st *apikey.Stats) int { return st.PendingUses }))

	lag, err := m.Float64ObservableGauge("keyauth.feed.lag", metric.WithUnit("s"),
		metric.WithDescription("time since the start of the last good change-feed poll"))
	errs = append(errs, err)
	observables = append(observables, lag)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	return m.RegisterCallback(func(_ context.Context, ob metric.Observer) error {
		st := src.Stats()
		for _, r := range readings {
			for _, p := range r.points {
				if p.opt == nil {
					ob.ObserveInt64(r.obs, p.get(&st))
				} else {
					ob.ObserveInt64(r.obs, p.get(&st), p.opt)
				}
			}
		}
		since := registered
		if !st.LastSync.IsZero() {
			since = st.LastSync
		}
		ob.ObserveFloat64(lag, max(now().Sub(since), 0).Seconds())
		return nil
	}, observables...)
}

func clamp(n uint64) int64 {
	if n > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(n)
}
