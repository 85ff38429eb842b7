// Package middleware puts API-key authentication in front of net/http
// handlers: it reads "Authorization: Bearer <key>", checks the key with an
// [Authenticator] (an *apikey.Service), binds the request to the key's
// organization and checks the key's permission, answering failures with
// RFC 6750 challenges and RFC 9457 problem+json bodies.
//
// Usage rules:
//
//   - Create one [Middleware] with [New] and wrap each org-scoped route with
//     [Middleware.Handler], or [Middleware.Require] to fix the permission a
//     route needs. Handlers read the caller with apikey.FromContext.
//   - By default a request's organization is r.PathValue("orgId"): mount the
//     middleware where that value is set (an http.ServeMux pattern with
//     {orgId}; with chi, inside With, Route or Group rather than on the root
//     router; with gorilla/mux set Config.Org to read mux.Vars). A key of
//     another organization, or a route without the value, answers 404. For
//     routes not scoped to an organization set Config.Org to return false.
//   - GET, HEAD and OPTIONS need read permission, other methods write. Mount
//     CORS preflight handling before this middleware: a preflight carries no
//     key.
//   - Checks run in a fixed order: header syntax (400), key (401, 503 when
//     the store cannot answer, 500 for a corrupt stored hash), organization
//     (404), permission (403). Keys are read from the Authorization header
//     only, never from the query string.
//   - The scheme is matched case-insensitively and separated from the key
//     by one or more spaces (RFC 7235's SP); a tab there is a malformed
//     header (400).
//   - The challenge to a request without credentials names Config.Realm
//     (Bearer realm="api"); the error challenges are exactly those of
//     docs/http-contract.md: Bearer error="invalid_request",
//     Bearer error="invalid_token" and
//     Bearer error="insufficient_scope", scope="write".
//   - A request let through with a key that was rotated carries
//     Deprecation (RFC 9745, the rotation time) and Sunset (RFC 8594, when
//     the key stops working); a key within Config.SunsetWindow (7 days) of
//     its expiry carries Sunset. Config.NoLifecycleHeaders turns them off.
//   - The middleware never wraps the ResponseWriter and never logs a key,
//     an Authorization header, a URL or a path value.
//   - Outside net/http handler chains (gin, Echo, gRPC) call
//     [Middleware.Check] with the Authorization values, the route's
//     organization and the permission needed: it makes the same decision
//     and returns the principal or a [Refusal] to send ([Refusal.Write]) or
//     to map to the transport's errors. To keep the contract's status and
//     headers but put the body in a team's own error envelope, set
//     Config.RenderRefusal.
package middleware
