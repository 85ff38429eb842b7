package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Authenticator checks a presented key. [*apikey.Service] satisfies it. Its
// errors are matched with errors.Is against the apikey sentinels:
// [apikey.ErrInvalidKey], [apikey.ErrKeyExpired] and [apikey.ErrKeyRevoked]
// answer 401, [apikey.ErrUnavailable] (or a context error) 503, and
// [apikey.ErrCorruptHash], [apikey.ErrSchemaOutdated] (a store that needs
// migrating) or any other error 500.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (apikey.Principal, error)
}

// Config configures a [Middleware]. Only Authenticator is required; every
// other field's zero value means the default written beside it.
type Config struct {
	// Authenticator checks keys: usually an *apikey.Service. Required.
	// If it has a Prefix() string method, as *apikey.Service does, the
	// ids of well-formed keys with that prefix appear in logs and
	// Results; otherwise keys are assumed to use apikey.DefaultPrefix.
	Authenticator Authenticator

	// Realm names the protection space in the challenge to a request without
	// credentials: 1-64 printable ASCII characters other than `"` and `\`.
	// Default "api".
	Realm string

	// Org returns the organization a request addresses, and false when
	// the route is not scoped to an organization (then a key of any
	// organization is accepted). A key of another organization gets 404.
	// Default: r.PathValue("orgId"), always scoped, which suits
	// http.ServeMux patterns and chi (v5.5 sets path values once it has
	// routed, so mount the middleware with chi's With, Route or Group,
	// not on the root router); for gorilla/mux use mux.Vars. An empty
	// organization matches no key: a route without {orgId} answers 404
	// to every key until Org is configured for it.
	Org func(*http.Request) (string, bool)

	// Permission returns what a request needs. Default: apikey.Read for
	// GET, HEAD and OPTIONS, apikey.Write for every other method.
	// [Middleware.Require] overrides it per route. A value other than
	// apikey.Read or apikey.Write fails the request with 500.
	Permission func(*http.Request) apikey.Permission

	// RetryAfter is sent in the Retry-After header of 503 answers,
	// rounded up to whole seconds. Default 2s. When the Authenticator's
	// error says when the key will be ready (an [*apikey.UnavailableError]:
	// its argon2id run is queued behind others), that estimate is sent
	// instead, so a client neither comes back too early nor waits longer
	// than it must.
	RetryAfter time.Duration

	// Logger receives one record per request: Debug when the request is
	// let through, Info for 4xx answers and for a 503 to a client that
	// left, Warn for other 503s, Error for 500 (for an
	// apikey.ErrSchemaOutdated only the first time, Debug after that: every
	// request fails alike until someone migrates). A record holds the
	// status, code, method, route pattern, the key's id, prefix and
	// organization when known, and the error, with any key text
	// redacted. It never holds a key, an Authorization header, a URL or a
	// path value. Default: no logging.
	Logger *slog.Logger

	// OnResult, if set, is called once per request with its outcome,
	// before the answer is written or the next handler runs. It runs on
	// the request's goroutine; a panic in it is recovered and logged, and
	// the request goes on. The request it receives still holds the
	// Authorization header: do not log it.
	OnResult func(*http.Request, Result)

	// RenderRefusal, if set, returns the Content-Type and body of each
	// refusal, for a team whose errors have an envelope of their own. The
	// status, WWW-Authenticate, Retry-After and Cache-Control stay the
	// contract's: the middleware sets them and writes the status. It runs
	// on the request's goroutine after Config.OnResult; a panic in it is
	// recovered and logged, and the standard problem body is sent.
	// Default: the contract's application/problem+json body.
	RenderRefusal func(r *http.Request, ref *Refusal) (contentType string, body []byte)

	// NoLifecycleHeaders turns off the headers that tell a client its key
	// is ending (see [Middleware.LifecycleHeaders]). Default: they are sent.
	NoLifecycleHeaders bool

	// SunsetWindow is how close to its expiry a key's answers carry a
	// Sunset header. Default 7 days; negative: only rotated keys get one.
	SunsetWindow time.Duration

	// Now is the clock for SunsetWindow. Default time.Now.
	Now func() time.Time
}

// Result is the outcome of one request, for Config.OnResult.
type Result struct {
	// Status is the status the middleware answered with, or 0 when it
	// let the request through to the next handler.
	Status int
	// Code is the problem code of the answer ("invalid_api_key", ...),
	// or "" when the request was let through.
	Code string
	// KeyID is the public id of the presented key when it is well formed
	// (right prefix, shape and checksum), whether or not it was accepted.
	KeyID string
	// Principal is the key's principal once its secret is proven (let
	// through, 404 or 403); zero otherwise.
	Principal apikey.Principal
	// Err is the Authenticator's error, if any, or the middleware's own
	// when a Config function or the Authenticator misbehaved (500). Its
	// text has the presented token and anything shaped like a key
	// redacted; match it with errors.Is.
	Err error
}

const (
	defaultRealm      = "api"
	defaultRetryAfter = 2 * time.Second
	// defaultSunsetWindow is how long before its expiry a key is
	// announced as ending.
	defaultSunsetWindow = 7 * 24 * time.Hour
	maxRealmLen         = 64
)

// defaultOrg binds requests to the {orgId} path value.
func defaultOrg(r *http.Request) (string, bool) { return r.PathValue("orgId"), true }

// defaultPermission is read for safe methods, write for the rest.
func defaultPermission(r *http.Request) apikey.Permission {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return apikey.Read
	}
	return apikey.Write
}

func validateRealm(realm string) error {
	if len(realm) < 1 || len(realm) > maxRealmLen {
		return fmt.Errorf("middleware: Config.Realm must be 1-%d characters", maxRealmLen)
	}
	for i := 0; i < len(realm); i++ {
		if c := realm[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return errors.New("middleware: Config.Realm must be printable ASCII without '\"' or '\\'")
		}
	}
	return nil
}
