// Package otelauth reports keyauth to OpenTelemetry: metrics named
// keyauth.* and spans of the cold path and of the store calls. It is a
// module of its own, so that services that do not use OpenTelemetry never
// resolve it; keyauth's core does not import it.
//
// Four pieces, each optional:
//
//   - [RegisterStats] turns an *apikey.Service's counters (Service.Stats)
//     into observable instruments, every field of Stats: the refusals by
//     outcome, cache hits, misses, size and evictions, the cold path's
//     store reads, kept reads and throttled answers, argon2id runs, slots,
//     slot waits and slot timeouts, tag writes, change-feed polls and lag,
//     last-used writes, failed flushes and the last-used times pending.
//   - [WrapAuthenticator] wraps the Authenticator given to the middleware
//     (or used with middleware.Check): a counter of every authentication
//     by outcome and by path (cached, cold, or none: refused without a
//     lookup; from Service.AuthenticatePath) and a duration histogram of
//     one in Options.DurationEvery. An authentication costs two atomic
//     adds, to counters spread over 16 stripes by the key's last
//     character, so that cores serving different keys write different
//     cache lines; the timed ones also two monotonic clock reads and a
//     histogram update with precomputed attributes.
//   - [ColdPathSpans], set as apikey.Config.ColdPath: a span
//     keyauth.authenticate.cold for each authentication of a key that is
//     not cached, with the key id and the outcome. The cached path makes
//     no span.
//   - [WrapStore] wraps the Store given to the Service: a span per store
//     call (keyauth.store.Get, ...), which happen only on the cold path
//     (as children of its span), the change-feed poll and the last-used
//     flush.
//
// Spans carry key ids, never key text or hashes; the organization id only
// with Options.OrgIDInSpans.
package otelauth
