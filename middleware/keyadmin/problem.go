package keyadmin

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/driive/keyauth/middleware"
)

// Problem codes of the management API: the middleware's vocabulary, plus
// the three a management API needs.
const (
	CodeValidationFailed = "validation_failed" // the body decodes but breaks a rule (422)
	CodeNotFound         = middleware.CodeNotFound
	CodeForbidden        = "forbidden" // the actor may not do this (403)
)

// problem is an RFC 9457 problem detail with the "code" member the
// middleware's answers carry too.
type problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Code   string       `json:"code"`
	Errors []fieldError `json:"errors,omitempty"` // 422 only
}

// fieldError is one broken rule of a request body.
type fieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	writeProblemValue(w, problem{Status: status, Code: code, Detail: detail})
}

func writeProblemValue(w http.ResponseWriter, p problem) {
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if p.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "2")
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p) // a client that left is not our error
}

func validationFailed(w http.ResponseWriter, errs ...fieldError) {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Field + ": " + e.Detail
	}
	writeProblemValue(w, problem{Status: http.StatusUnprocessableEntity, Code: CodeValidationFailed,
		Detail: strings.Join(parts, "; "), Errors: errs})
}

// writeJSON answers status with v as JSON. Every answer of the API is
// no-store: it shows keys, and some show a key's text.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
