package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/driive/keyauth/apikey"
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
	render     func(*http.Request, *Refusal) (string, []byte)

	prefix        string // key prefix, to read key ids for logs
	challenges    [numChallenges]string
	retryAfter    string
	retryAfterDur time.Duration // retryAfter as a duration

	lifecycle    bool          // send Deprecation and Sunset
	sunsetWindow time.Duration // <0: rotated keys only
	now          func() time.Time

	schemaLogged atomic.Bool // an apikey.ErrSchemaOutdated was logged at Error
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
	if cfg.SunsetWindow == 0 {
		cfg.SunsetWindow = defaultSunsetWindow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Middleware{
		lifecycle:     !cfg.NoLifecycleHeaders,
		sunsetWindow:  cfg.SunsetWindow,
		now:           cfg.Now,
		auth:          cfg.Authenticator,
		org:           cfg.Org,
		permission:    cfg.Permission,
		logger:        cfg.Logger,
		onResult:      cfg.OnResult,
		render:        cfg.RenderRefusal,
		prefix:        prefix,
		challenges:    challenges(cfg.Realm),
		retryAfter:    retryAfterHeader(cfg.RetryAfter),
		retryAfterDur: wholeSeconds(cfg.RetryAfter),
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

// serve answers r with [Middleware.Check]'s decision, or lets it through
// to next with the principal in its context. need is 0 when
// Config.Permission decides.
func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler, need apikey.Permission) {
	org, scoped := m.org(r)
	if need == 0 {
		need = m.permission(r)
	}
	authz := r.Header["Authorization"]
	d := m.decide(r.Context(), authz, org, scoped, need)
	if d.prob == nil {
		if m.logger != nil || m.onResult != nil {
			m.observe(r, d.token, d.result(m, authz))
		}
		if m.lifecycle {
			m.LifecycleHeaders(w.Header(), d.principal)
		}
		next.ServeHTTP(w, r.WithContext(apikey.NewContext(r.Context(), d.principal)))
		return
	}
	if m.logger == nil && m.onResult == nil && m.render == nil {
		// Nobody looks at the details: the answer costs no allocation
		// beyond the headers.
		m.write(w, d.prob, d.err)
		return
	}
	res := d.result(m, authz)
	m.observe(r, d.token, res)
	if m.render == nil {
		m.write(w, d.prob, d.err)
		return
	}
	m.renderRefusal(w, r, d.token, m.refusal(d.prob, res))
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
func (m *Middleware) redact(s string, authorization []string, token string) string {
	// Very short texts are no secrets, and replacing them would garble
	// the message.
	const minSecret = 8
	if len(token) >= minSecret {
		s = strings.ReplaceAll(s, token, apikey.Redacted)
	}
	for _, v := range authorization {
		if len(v) >= minSecret {
			s = strings.ReplaceAll(s, v, apikey.Redacted)
		}
	}
	return apikey.Redact(s)
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

// As reaches one type only, *apikey.UnavailableError, whose RetryAfter
// callers need (Refusal.RetryAfter); it gets a copy with its Reason
// redacted too.
func (e *safeError) As(target any) bool {
	t, ok := target.(**apikey.UnavailableError)
	if !ok {
		return false
	}
	var ue *apikey.UnavailableError
	if !errors.As(e.inner, &ue) {
		return false
	}
	*t = &apikey.UnavailableError{RetryAfter: ue.RetryAfter, Reason: apikey.Redact(ue.Reason)}
	return true
}

func (m *Middleware) safeErr(err error, authorization []string, token string) error {
	return &safeError{msg: m.redact(err.Error(), authorization, token), inner: err}
}
