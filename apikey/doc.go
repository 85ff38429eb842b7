// Package apikey issues and checks organization-scoped API keys.
//
// A key looks like dk_<id>_<secret><checksum>. It is shown once, when
// [Service.Create] or [Service.Rotate] returns it as a [Secret]; the [Store]
// keeps only an argon2id hash of it, a 32-bit check tag and its public id.
// [Service.Authenticate]
// turns a presented key into a [Principal] or exactly one of [ErrInvalidKey],
// [ErrKeyExpired], [ErrKeyRevoked] and [ErrUnavailable].
//
// Usage:
//
//	svc, err := apikey.NewService(apikey.Config{Store: memstore.New()})
//	...
//	go svc.Run(ctx)          // change feed and last-used writes
//	defer svc.Close(context.Background())
//
// A Service verifies a key with argon2id once, then remembers a SHA-256
// digest of it in memory (up to [Config].CacheSize keys), so later requests
// cost a hash and a map lookup. A key's status (revoked, expired) is checked
// on every request; changes made by other processes reach the cache through
// the store's change feed, which [Service.Run] polls. Without Run, a cached
// key's status is re-read from the store at most once a second: correct,
// only slower.
//
// A key that is not cached costs one store read, shared by every request
// for its id within a second; a wrong secret is then refused by the check
// tag for the cost of a SHA-256, so it never reaches argon2id and nobody
// without the secret can make a right key fail. [Service.Stats] counts
// every step, for metrics.
//
// Files follow the concerns: authenticate.go (the request path), cold.go
// (a key not cached), tag.go, reads.go (reads kept per id), stale.go (the
// change feed too old), cache.go and cacheindex.go, slots.go (argon2id
// slots), digest.go, feed.go (Sync, Run), lastused.go (Flush, Close),
// create.go, list.go, revoke.go, rotate.go, validate.go.
//
// This package imports no database driver and no HTTP code; see the
// middleware package for net/http and store/sqlstore for SQL databases.
package apikey
