// Package otelauth reports keyauth to OpenTelemetry: metrics named
// keyauth.* and spans of the store calls behind the cold path. It is a
// module of its own, so that services that do not use OpenTelemetry never
// resolve it; keyauth's core does not import it.
//
// Three pieces, each optional:
//
//   - [RegisterStats] turns an *apikey.Service's counters (Service.Stats)
//     into observable instruments, every field of Stats: the refusals by
//     outcome, cache hits, misses, size and evictions, the cold path's
//     store reads, kept reads and throttled answers, argon2id runs, slots
//     and slot timeouts, tag writes, change-feed polls and lag, last-used
//     writes and failed flushes.
//   - [WrapAuthenticator] wraps the Authenticator given to the middleware
//     (or used with middleware.Check): a counter of every authentication
//     by outcome and a duration histogram of one in
//     Options.DurationEvery. An authentication costs two atomic adds;
//     the timed ones also two monotonic clock reads and a histogram
//     update with precomputed attributes.
//   - [WrapStore] wraps the Store given to the Service: a span per store
//     call (keyauth.store.Get, ...), which happen only on the cold path,
//     the change-feed poll and the last-used flush. Spans carry the key id
//     (never key text or hashes); the organization id only with
//     Options.OrgIDInSpans.
//
// Stats does not count the last-used times waiting for a flush, nor the
// requests that waited for an argon2id slot and got one: those are not
// reported.
package otelauth
