// Package grpcauth puts keyauth in front of gRPC and connect
// (connectrpc.com/connect) services: unary and streaming interceptors that
// read the "authorization" metadata ("Bearer <key>"), bind the call to the
// organization a function of the caller's takes from the request, require
// read or write permission per full method name, and put the key's
// principal in the handler's context, where apikey.FromContext finds it.
//
// The decision is [middleware.Middleware.Check]'s, so the checks and their
// order are those of keyauth's HTTP contract (docs/http-contract.md in the
// keyauth repository); refusals map to status codes:
//
//	401 (no key, malformed, invalid, expired, revoked)  Unauthenticated
//	400 (malformed authorization metadata)              Unauthenticated
//	403 (read key on a write method)                    PermissionDenied
//	404 (key of another organization)                   NotFound
//	503 (store down, too many hashes waiting)           Unavailable
//	500 (corrupt stored hash, outdated schema)          Internal
//
// The error's message is "keyauth: <code>: <detail>" and its details hold
// a google.rpc.ErrorInfo with the code as Reason and "keyauth" as Domain
// (and a google.rpc.RetryInfo on Unavailable). It is a module of its own,
// so that services without gRPC never resolve gRPC.
package grpcauth
