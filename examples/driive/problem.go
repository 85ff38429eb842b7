package main

import (
	"encoding/json"
	"net/http"
	"strings"
)

// problem is an RFC 9457 problem detail with the extra "code" member that
// the keyauth middleware's errors carry too, so a client reads every error
// of this API the same way.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	// Errors names each field that broke a rule (422 only).
	Errors []fieldError `json:"errors,omitempty"`
}

// fieldError is one broken rule of a request body.
type fieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// Codes of the example's own errors, beside the middleware's.
const (
	codeInvalidRequest   = "invalid_request"
	codeValidationFailed = "validation_failed"
	codeNotFound         = "not_found"
	codeUnsupportedMedia = "unsupported_media_type"
	codeMethodNotAllowed = "method_not_allowed"
	codeInternal         = "internal_error"
	codeUnavailable      = "unavailable"
)

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	writeProblemValue(w, problem{Status: status, Code: code, Detail: detail})
}

func writeProblemValue(w http.ResponseWriter, p problem) {
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p) // a client that left is not our error
}

// validationProblem is the 422 answer naming every field in errs.
func validationProblem(errs []fieldError) problem {
	names := make([]string, len(errs))
	for i, e := range errs {
		names[i] = e.Field + " " + e.Detail
	}
	return problem{
		Status: http.StatusUnprocessableEntity,
		Code:   codeValidationFailed,
		Detail: "invalid fields: " + strings.Join(names, "; "),
		Errors: errs,
	}
}

func notFound(w http.ResponseWriter) {
	writeProblem(w, http.StatusNotFound, codeNotFound, "no such resource")
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a client that left is not our error
}
