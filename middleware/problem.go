package middleware

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// challenge is the kind of WWW-Authenticate header a problem carries.
type challenge uint8

const (
	noChallenge      challenge = iota
	challengeBare              // no credentials: realm only
	challengeRequest           // error="invalid_request"
	challengeToken             // error="invalid_token"
	challengeScope             // error="insufficient_scope", scope="write"
	numChallenges
)

// problem is one rejection of the HTTP contract (docs/http-contract.md). Its body is encoded once,
// at package initialization: a rejection costs no JSON encoding, and the
// body of a given code never varies with the request (so the 404 for an
// organization that exists is byte-identical to the one for an
// organization that does not).
type problem struct {
	status    int
	code      string
	challenge challenge
	detail    string
	body      []byte
	length    string // len(body), for Content-Length
}

// Problem codes of docs/http-contract.md (the "code" member of the body).
const (
	CodeMissingAPIKey          = "missing_api_key"
	CodeInvalidRequest         = "invalid_request"
	CodeInvalidAPIKey          = "invalid_api_key"
	CodeAPIKeyExpired          = "api_key_expired"
	CodeAPIKeyRevoked          = "api_key_revoked"
	CodeInsufficientPermission = "insufficient_permission"
	CodeNotFound               = "not_found"
	CodeAuthUnavailable        = "auth_unavailable"
	CodeInternalError          = "internal_error"
)

var (
	probMissing = newProblem(http.StatusUnauthorized, CodeMissingAPIKey, challengeBare,
		`This request needs an API key, sent as "Authorization: Bearer <key>".`)
	probDuplicate = newProblem(http.StatusBadRequest, CodeInvalidRequest, challengeRequest,
		"The request has more than one Authorization header.")
	probEmptyToken = newProblem(http.StatusBadRequest, CodeInvalidRequest, challengeRequest,
		"The Authorization header names the Bearer scheme but holds no key.")
	probBadToken = newProblem(http.StatusBadRequest, CodeInvalidRequest, challengeRequest,
		`The Authorization header is malformed: it must be "Bearer", one or more spaces, and the key.`)
	probInvalid = newProblem(http.StatusUnauthorized, CodeInvalidAPIKey, challengeToken,
		"The API key is not valid.")
	probExpired = newProblem(http.StatusUnauthorized, CodeAPIKeyExpired, challengeToken,
		"The API key has expired.")
	probRevoked = newProblem(http.StatusUnauthorized, CodeAPIKeyRevoked, challengeToken,
		"The API key has been revoked.")
	probForbidden = newProblem(http.StatusForbidden, CodeInsufficientPermission, challengeScope,
		"The API key has read permission; this request needs write permission.")
	probNotFound = newProblem(http.StatusNotFound, CodeNotFound, noChallenge,
		"The requested resource was not found.")
	probUnavailable = newProblem(http.StatusServiceUnavailable, CodeAuthUnavailable, noChallenge,
		"Authentication is temporarily unavailable; try again later.")
	probInternal = newProblem(http.StatusInternalServerError, CodeInternalError, noChallenge,
		"The server could not check the API key.")
)

func newProblem(status int, code string, ch challenge, detail string) *problem {
	body := encodeProblem(status, code, detail)
	return &problem{status: status, code: code, challenge: ch, detail: detail, body: body, length: itoa(len(body))}
}

// encodeProblem returns the RFC 9457 body of a refusal.
func encodeProblem(status int, code, detail string) []byte {
	body, err := json.Marshal(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail"`
		Code   string `json:"code"`
	}{"about:blank", http.StatusText(status), status, detail, code})
	if err != nil {
		panic(err) // strings and an int: cannot happen
	}
	return body
}

func itoa(n int) string { return strconv.Itoa(n) }

// retryAfterHeader is d in whole seconds, rounded up.
func retryAfterHeader(d time.Duration) string {
	return strconv.FormatInt(int64(wholeSeconds(d)/time.Second), 10)
}

// wholeSeconds is d rounded up to whole seconds.
func wholeSeconds(d time.Duration) time.Duration {
	return (d + time.Second - 1) / time.Second * time.Second
}

// challenges returns the WWW-Authenticate value of each challenge kind for
// realm. The values are those of docs/http-contract.md, word for word: the realm
// goes in the challenge to a request without credentials (RFC 6750 section
// 3), the error challenges carry the error alone, so clients may compare
// them exactly.
func challenges(realm string) [numChallenges]string {
	return [numChallenges]string{ // #nosec G101 -- RFC 6750 challenge texts, no credentials
		challengeBare:    `Bearer realm="` + realm + `"`,
		challengeRequest: `Bearer error="invalid_request"`,
		challengeToken:   `Bearer error="invalid_token"`,
		challengeScope:   `Bearer error="insufficient_scope", scope="write"`,
	}
}

// write sends p, the answer to err. It only sets headers and writes the
// body, so it works with any ResponseWriter and wraps none.
func (m *Middleware) write(w http.ResponseWriter, p *problem, err error) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", p.length)
	h.Set("Cache-Control", "no-store")
	if p.challenge != noChallenge {
		h.Set("WWW-Authenticate", m.challenges[p.challenge])
	}
	if p.status == http.StatusServiceUnavailable {
		_, ra := m.retryAfterFor(err)
		h.Set("Retry-After", ra)
	}
	w.WriteHeader(p.status)
	_, _ = w.Write(p.body) // a client that went away is not our error
}
