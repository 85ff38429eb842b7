// Package frameworks shows keyauth behind routers that are not net/http
// middleware chains, gin and Echo, in runnable examples: no adapter
// package is needed, about ten lines of glue call
// [middleware.Middleware.Check] with the request's Authorization values,
// the route's organization and the permission the route needs, and either
// write the [middleware.Refusal] or put the principal in the request's
// context, where apikey.FromContext finds it.
//
// It holds no code of its own, only the examples and what they share.
package frameworks

import _ "github.com/driive/keyauth/middleware" // for the doc links
