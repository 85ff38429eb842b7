package middleware

import (
	"context"
	"errors"
	"log/slog"

	"github.com/driive/keyauth/apikey"
)

// Check decides a request the way [Middleware.Handler] does, for transports
// other than net/http handlers (gin, Echo, gRPC, a message queue): it takes
// the request's Authorization header values (all of them: two are a 400),
// the organization the route is bound to and the permission the request
// needs, and returns the key's principal or the answer to give instead.
// The checks and their order are those of docs/http-contract.md: header
// syntax (400), key (401, or 503/500 when it cannot be checked),
// organization (404), permission (403).
//
// The organization is compared exactly: an empty org matches no key. For a
// route not bound to an organization use [Middleware.CheckAnyOrg]. need
// must be apikey.Read or apikey.Write (any other value is a 500 refusal).
//
// Check logs the outcome as the middleware does (without method and route,
// which it does not know); Config.OnResult is not called, the Refusal
// carries the same facts. It does no I/O beyond the Authenticator's and
// never holds on to the values it is given.
func (m *Middleware) Check(ctx context.Context, authorization []string, org string, need apikey.Permission) (apikey.Principal, *Refusal) {
	return m.checkExported(ctx, authorization, org, true, need)
}

// CheckAnyOrg is [Middleware.Check] for a route that is not bound to an
// organization: a key of any organization passes the organization check.
func (m *Middleware) CheckAnyOrg(ctx context.Context, authorization []string, need apikey.Permission) (apikey.Principal, *Refusal) {
	return m.checkExported(ctx, authorization, "", false, need)
}

func (m *Middleware) checkExported(ctx context.Context, authorization []string, org string, scoped bool, need apikey.Permission) (apikey.Principal, *Refusal) {
	d := m.decide(ctx, authorization, org, scoped, need)
	if d.prob == nil {
		if m.logger != nil {
			m.log(ctx, "", "", d.result(m, authorization))
		}
		return d.principal, nil
	}
	res := d.result(m, authorization)
	if m.logger != nil {
		m.log(ctx, "", "", res)
	}
	return apikey.Principal{}, m.refusal(d.prob, res)
}

// decision is what decide found: the principal once its secret is proven,
// the problem to answer (nil: let through), and for the logs the token and
// the error behind the problem.
type decision struct {
	principal apikey.Principal
	prob      *problem
	token     string
	err       error
}

// decide runs the checks in the contract's order. It allocates nothing on
// the way to a pass; the per-request facts of a refusal (key id, redacted
// error) are only worked out by result, when somebody looks.
func (m *Middleware) decide(ctx context.Context, authorization []string, org string, scoped bool, need apikey.Permission) decision {
	token, hp := parseAuthorization(authorization)
	if hp != headerOK {
		return decision{prob: headerProblems[hp]}
	}
	p, err := m.auth.Authenticate(ctx, token)
	if err != nil {
		return decision{prob: authProblem(err), token: token, err: err}
	}
	if p.KeyID == "" || p.OrgID == "" || !p.Permission.Valid() {
		return decision{prob: probInternal, token: token,
			principal: apikey.Principal{KeyID: p.KeyID},
			err:       errors.New("middleware: the Authenticator returned an incomplete principal")}
	}
	if scoped && org != p.OrgID {
		return decision{principal: p, prob: probNotFound, token: token}
	}
	if !need.Valid() {
		return decision{principal: p, prob: probInternal, token: token,
			err: errors.New("middleware: the permission needed is neither read nor write")}
	}
	if !p.Permission.Allows(need) {
		return decision{principal: p, prob: probForbidden, token: token}
	}
	return decision{principal: p, token: token}
}

// result describes d for the logger and Config.OnResult. The principal of
// an incomplete Authenticator answer is left out: only its key id is told.
func (d *decision) result(m *Middleware, authorization []string) Result {
	res := Result{KeyID: d.principal.KeyID}
	if d.principal.OrgID != "" {
		res.Principal = d.principal
	}
	if d.prob != nil {
		res.Status, res.Code = d.prob.status, d.prob.code
	}
	if res.KeyID == "" && d.token != "" {
		res.KeyID = m.keyID(d.token)
	}
	if d.err != nil {
		res.Err = m.safeErr(d.err, authorization, d.token)
	}
	return res
}

// authProblem maps an Authenticator error to its answer. A failure to
// check (store down, hash slots full, client gone) is never reported as
// an invalid key; an error nobody planned for is a 500, not a pass.
func authProblem(err error) *problem {
	switch {
	case errors.Is(err, apikey.ErrUnavailable),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return probUnavailable
	case errors.Is(err, apikey.ErrCorruptHash), errors.Is(err, apikey.ErrSchemaOutdated):
		// A schema to migrate is no outage that passes with a retry.
		return probInternal
	case errors.Is(err, apikey.ErrKeyRevoked):
		return probRevoked
	case errors.Is(err, apikey.ErrKeyExpired):
		return probExpired
	case errors.Is(err, apikey.ErrInvalidKey):
		return probInvalid
	}
	return probInternal
}

var headerProblems = [...]*problem{
	headerMissing:    probMissing,
	headerDuplicate:  probDuplicate,
	headerEmptyToken: probEmptyToken,
	headerBadToken:   probBadToken,
}

// levelOf is the log level and message of an outcome: Debug for a pass and
// for refusals (a flood of bad keys must not cost a log line each at
// Info), Info for a 503 to a client that left, Warn for other 503s, Error
// for 500.
func levelOf(ctx context.Context, status int) (slog.Level, string) {
	switch {
	case status >= 500 && status != 503:
		return slog.LevelError, "keyauth: request failed"
	case status == 503 && ctx.Err() != nil:
		// The client left or its deadline passed: not an outage.
		return slog.LevelInfo, "keyauth: request ended before its key was checked"
	case status == 503:
		return slog.LevelWarn, "keyauth: authentication unavailable"
	case status != 0:
		return slog.LevelDebug, "keyauth: request refused"
	}
	return slog.LevelDebug, "keyauth: request authenticated"
}
