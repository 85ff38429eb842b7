package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keyformat"
)

// Middleware authenticates requests by API key, binds them to the key's
// organization and checks the key's permission. Create it with [New]; it
// is safe for concurrent use, and its zero value is not usable.
type Middleware struct {
	auth       Authenticator
	org        func(*http.Request) (string, bool)
	permission func(*http.Request) apikey.Permission
	logger     *slog.Logger // nil: no logging
	onResult   func(*http.Request, Result)

	prefix     string // key prefix, to read key ids for logs
	challenges [numChallenges]string
	retryAfter string
}

// New validates cfg and returns a Middleware that uses a copy of it: later
// changes to cfg change nothing. It does no I/O.
func New(cfg Config) (*Middleware, error) {
	if cfg.Authenticator == nil {
		return nil, errors.New("middleware: Config.Authenticator is nil")
	}
	if cfg.Realm == "" {
		cfg.Realm = defaultRealm
	}
	if err := validateRealm(cfg.Realm); err != nil {
		return nil, err
	}
	if cfg.RetryAfter < 0 {
		return nil, errors.New("middleware: Config.RetryAfter is negative")
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = defaultRetryAfter
	}
	if cfg.Org == nil {
		cfg.Org = defaultOrg
	}
	if cfg.Permission == nil {
		cfg.Permission = defaultPermission
	}
	prefix := apikey.DefaultPrefix
	if p, ok := cfg.Authenticator.(interface{ Prefix() string }); ok {
		prefix = p.Prefix()
	}
	if err := apikey.ValidatePrefix(prefix); err != nil {
		return nil, fmt.Errorf("middleware: the Authenticator's key prefix: %w", err)
	}
	seconds := (cfg.RetryAfter + 999_999_999) / 1_000_000_000
	return &Middleware{
		auth:       cfg.Authenticator,
		org:        cfg.Org,
		permission: cfg.Permission,
		logger:     cfg.Logger,
		onResult:   cfg.OnResult,
		prefix:     prefix,
		challenges: challenges(cfg.Realm),
		retryAfter: strconv.FormatInt(int64(seconds), 10),
	}, nil
}

// Handler returns next behind the middleware: it needs the permission
// Config.Permission names. Its signature fits chi's Use and With and
// gorilla/mux's Use.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next, 0)
	})
}

// Require returns a middleware like [Middleware.Handler] for which every
// request needs permission p whatever its method: for example apikey.Write
// on a GET that has effects, or apikey.Read on a POST that only queries.
// It panics if p is not apikey.Read or apikey.Write, at set-up time.
func (m *Middleware) Require(p apikey.Permission) func(http.Handler) http.Handler {
	if !p.Valid() {
		panic(fmt.Sprintf("middleware: Require(%d): permission must be apikey.Read or apikey.Write", uint8(p)))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.serve(w, r, next, p)
		})
	}
}

// serve runs the checks in the contract's order: header syntax (400), key
// (401, or 503/500 when it cannot be checked), organization (404),
// permission (403). need is 0 when Config.Permission decides.
func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler, need apikey.Permission) {
	token, hp := parseAuthorization(r.Header["Authorization"])
	if hp != headerOK {
		m.reject(w, r, headerProblems[hp], "", Result{})
		return
	}
	p, err := m.auth.Authenticate(r.Context(), token)
	if err != nil {
		prob := authProblem(err)
		if m.logger != nil || m.onResult != nil { // redaction costs: only when someone looks
			m.reject(w, r, prob, token, Result{KeyID: m.keyID(token), Err: m.safeErr(err, r, token)})
		} else {
			m.write(w, prob)
		}
		return
	}
	if p.KeyID == "" || p.OrgID == "" || !p.Permission.Valid() {
		m.reject(w, r, probInternal, token, Result{
			KeyID: p.KeyID, Err: errors.New("middleware: the Authenticator returned an incomplete principal"),
		})
		return
	}
	if org, scoped := m.org(r); scoped && org != p.OrgID {
		m.reject(w, r, probNotFound, token, Result{KeyID: p.KeyID, Principal: p})
		return
	}
	if need == 0 {
		need = m.permission(r)
	}
	if !need.Valid() {
		m.reject(w, r, probInternal, token, Result{
			KeyID: p.KeyID, Principal: p, Err: errors.New("middleware: Config.Permission returned neither read nor write"),
		})
		return
	}
	if !p.Permission.Allows(need) {
		m.reject(w, r, probForbidden, token, Result{KeyID: p.KeyID, Principal: p})
		return
	}
	if m.logger != nil || m.onResult != nil {
		m.observe(r, token, Result{KeyID: p.KeyID, Principal: p})
	}
	next.ServeHTTP(w, r.WithContext(apikey.NewContext(r.Context(), p)))
}

var headerProblems = [...]*problem{
	headerMissing:    probMissing,
	headerDuplicate:  probDuplicate,
	headerEmptyToken: probEmptyToken,
	headerBadToken:   probBadToken,
}

// authProblem maps an Authenticator error to its answer. A failure to
// check (store down, hash slots full, client gone) is never reported as
// an invalid key; an error nobody planned for is a 500, not a pass.
func authProblem(err error) *problem {
	switch {
	case errors.Is(err, apikey.ErrUnavailable),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return probUnavailable
	case errors.Is(err, apikey.ErrCorruptHash):
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

func (m *Middleware) reject(w http.ResponseWriter, r *http.Request, p *problem, token string, res Result) {
	res.Status, res.Code = p.status, p.code
	if m.logger != nil || m.onResult != nil {
		m.observe(r, token, res)
	}
	m.write(w, p)
}

// keyID returns the id of a well-formed key, "" for any other text.
func (m *Middleware) keyID(token string) string {
	id, err := apikey.ParseWithPrefix(token, m.prefix)
	if err != nil {
		return ""
	}
	return id
}

// redact removes from s the presented token, the raw Authorization header
// values and anything shaped like a key of any prefix, not only ours: a key
// of another deployment is a secret too.
func (m *Middleware) redact(s string, r *http.Request, token string) string {
	// Very short texts are no secrets, and replacing them would garble
	// the message.
	const minSecret = 8
	if len(token) >= minSecret {
		s = strings.ReplaceAll(s, token, keyformat.Redacted)
	}
	for _, v := range r.Header["Authorization"] {
		if len(v) >= minSecret {
			s = strings.ReplaceAll(s, v, keyformat.Redacted)
		}
	}
	return keyformat.Redact(s)
}

// safeError is an error whose text was redacted. It matches what the
// original matched (errors.Is) but does not unwrap to it, so no caller can
// reach the original text.
type safeError struct {
	msg   string
	inner error
}

func (e *safeError) Error() string        { return e.msg }
func (e *safeError) Is(target error) bool { return errors.Is(e.inner, target) }

func (m *Middleware) safeErr(err error, r *http.Request, token string) error {
	return &safeError{msg: m.redact(err.Error(), r, token), inner: err}
}
