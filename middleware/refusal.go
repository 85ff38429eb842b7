package middleware

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Refusal is the answer to a request that [Middleware.Check] did not let
// through: the HTTP contract's status, problem code, challenge and body,
// and what is known about the key. [Refusal.Write] sends it as the
// middleware would; a transport with its own errors (gRPC, a team's error
// envelope) maps Status and Code, and should keep Challenge and
// RetryAfter.
type Refusal struct {
	// Status is the HTTP status: 400, 401, 403, 404, 500 or 503.
	Status int
	// Code is the problem code ("invalid_api_key", ...): one of the Code
	// constants.
	Code string
	// Challenge is the WWW-Authenticate value the answer carries, or ""
	// when it carries none (404, 500, 503).
	Challenge string
	// RetryAfter is what the Retry-After header says on a 503, 0
	// otherwise: Config.RetryAfter, rounded up to whole seconds, or, when
	// the Authenticator's error is an [*apikey.UnavailableError] (the
	// key's argon2id run is queued), its estimate of when the key will be
	// ready, rounded down (0 when the run is less than a second away).
	RetryAfter time.Duration
	// Detail is the problem's human-readable explanation, the same for
	// every request with this Code. It never holds request data.
	Detail string
	// KeyID is the public id of the presented key when it is well formed
	// (right prefix, shape and checksum), whether or not it was accepted.
	KeyID string
	// Principal is the key's principal once its secret is proven (404 and
	// 403); zero otherwise.
	Principal apikey.Principal
	// Err is the Authenticator's error, if any, or the middleware's own
	// when the Authenticator or the permission asked for misbehaved (500).
	// Its text has the presented token and anything shaped like a key
	// redacted; match it with errors.Is.
	Err error

	body       []byte // the encoded problem, shared: never modified
	retryAfter string // the Retry-After header value
}

func (m *Middleware) refusal(p *problem, res Result) *Refusal {
	r := &Refusal{
		Status: p.status, Code: p.code, Challenge: m.challenges[p.challenge], Detail: p.detail,
		KeyID: res.KeyID, Principal: res.Principal, Err: res.Err, body: p.body,
	}
	if p.status == http.StatusServiceUnavailable {
		r.RetryAfter, r.retryAfter = m.retryAfterFor(res.Err)
	}
	return r
}

// retryAfterFor is the Retry-After of a 503 caused by err, as a duration
// and as the header's text: Config.RetryAfter, unless the Service said
// when the key will be ready. That estimate is rounded down: a retry that
// comes before the key's run ends is held until it ends (the Service's
// HashWait is longer than the second rounding can take off), while one
// rounded up would come after it, up to a second late.
func (m *Middleware) retryAfterFor(err error) (time.Duration, string) {
	var ue *apikey.UnavailableError
	if errors.As(err, &ue) && ue.RetryAfter > 0 {
		d := ue.RetryAfter.Truncate(time.Second)
		return d, strconv.FormatInt(int64(d/time.Second), 10)
	}
	return m.retryAfterDur, m.retryAfter
}

// Body returns the RFC 9457 application/problem+json body of the answer:
// type, title, status, detail and code.
func (r *Refusal) Body() []byte {
	if r.body != nil {
		return bytes.Clone(r.body)
	}
	return encodeProblem(r.Status, r.Code, r.Detail)
}

// SetHeaders sets the headers the contract requires on the answer:
// WWW-Authenticate (when Challenge is set), Retry-After (on a 503) and
// Cache-Control: no-store. Use it when writing a body of one's own.
func (r *Refusal) SetHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	if r.Challenge != "" {
		h.Set("WWW-Authenticate", r.Challenge)
	}
	if r.Status == http.StatusServiceUnavailable {
		ra := r.retryAfter
		if ra == "" {
			ra = retryAfterHeader(r.RetryAfter)
		}
		h.Set("Retry-After", ra)
	}
}

// Write sends the answer as the middleware does: the headers of
// [Refusal.SetHeaders], the status and the problem+json body. It only
// sets headers and writes, so it works with any ResponseWriter (gin's
// c.Writer, Echo's c.Response()).
func (r *Refusal) Write(w http.ResponseWriter) {
	writeAnswer(w, r, "application/problem+json", r.Body())
}

// writeAnswer sends body with the status and headers of ref.
func writeAnswer(w http.ResponseWriter, ref *Refusal, contentType string, body []byte) {
	h := w.Header()
	ref.SetHeaders(h)
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(ref.Status)
	// #nosec G705 -- body is JSON this package encoded, sent with its own Content-Type, never HTML
	_, _ = w.Write(body) // a client that went away is not our error
}
