// Package apikey issues and checks organization-scoped API keys.
//
// A key looks like dk_<id>_<secret><checksum>. It is shown once, when
// [Service.Create] or [Service.Rotate] returns it as a [Secret]; the [Store]
// keeps only an argon2id hash of it and its public id. [Service.Authenticate]
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
// digest of it in memory, so later requests cost a hash and a map lookup. A
// key's status (revoked, expired) is checked on every request; changes made
// by other processes reach the cache through the store's change feed, which
// [Service.Run] polls. Without Run, a cached key is re-read from the store on
// every request: correct, only slower.
//
// This package imports no database driver and no HTTP code; see the
// middleware package for net/http and store/sqlstore for SQL databases.
package apikey
