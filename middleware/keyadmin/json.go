package keyadmin

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// keyJSON is a key as the API shows it. Unset times are null.
type keyJSON struct {
	ID         string     `json:"id"`
	Prefix     string     `json:"prefix"`
	Name       string     `json:"name"`
	Permission string     `json:"permission"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedBy  *actorJSON `json:"created_by"`
}

type actorJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// newKeyJSON is a key with its text: the answer to create and rotate, the
// only place the text appears.
type newKeyJSON struct {
	keyJSON
	Key string `json:"key"`
}

// pageJSON is one page of a list: {"data":[...],"next_cursor":...}.
type pageJSON[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// writePage answers one page of items, each turned into T by view.
func writePage[E, T any](w http.ResponseWriter, items []E, next string, view func(E) T) {
	out := pageJSON[T]{Data: make([]T, 0, len(items))}
	for _, it := range items {
		out.Data = append(out.Data, view(it))
	}
	if next != "" {
		out.NextCursor = &next
	}
	writeJSON(w, http.StatusOK, out)
}

// listFailed answers a List or Events error and reports whether there was
// one: a cursor the Service refuses is the client's 400.
func (h *Handler) listFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, apikey.ErrInvalidArgument) {
		writeProblem(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the cursor was not issued by this server")
		return true
	}
	if err != nil {
		h.serviceFailure(w, r, err)
		return true
	}
	return false
}

type createJSON struct {
	Name       *string `json:"name"`
	Permission *string `json:"permission"`
	ExpiresAt  *string `json:"expires_at"`
}

type rotateJSON struct {
	Grace     *string `json:"grace"`
	ExpiresAt *string `json:"expires_at"`
}

func keyOf(k apikey.Key) keyJSON {
	return keyJSON{
		ID: k.ID, Prefix: k.Prefix, Name: k.Name, Permission: k.Permission.String(),
		CreatedAt: k.CreatedAt.UTC(), ExpiresAt: timePtr(k.ExpiresAt), LastUsedAt: timePtr(k.LastUsedAt),
		RevokedAt: timePtr(k.RevokedAt), CreatedBy: createdBy(k),
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// decodeBody decodes a JSON object into v, strictly: one object, no
// unknown members, at most maxBody bytes. An empty body is allowed only
// when optional. It answers the failure itself.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeProblem(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the body could not be read or is larger than 64 KiB")
		return false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		if optional {
			return true
		}
		writeProblem(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the body must be a JSON object")
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, http.StatusUnsupportedMediaType, middleware.CodeInvalidRequest, "the body must be application/json")
		return false
	}
	if !utf8.Valid(body) {
		writeProblem(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the body is not valid UTF-8")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeProblem(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the body does not decode: "+decodeReason(err))
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		writeProblem(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "the body holds more than one JSON value")
		return false
	}
	return true
}

// decodeReason is a short reason a body did not decode, without echoing
// the body.
func decodeReason(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field != "" {
			return typeErr.Field + " has the wrong type"
		}
		return "it must be a JSON object"
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return "unknown member " + strings.TrimPrefix(msg, "json: unknown field ")
	}
	return "it is not valid JSON"
}

// nameProblem says what is wrong with a key name, or "" when nothing is:
// the Service's rule, 1-100 printable characters.
func nameProblem(name string) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "must not be empty"
	case n > 100 || !utf8.ValidString(name):
		return "must be at most 100 characters"
	case strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return "must hold printable characters only"
	}
	return ""
}

// serviceReason is the Service's reason for an ErrInvalidArgument,
// without the package's prefix.
func serviceReason(err error) string {
	return strings.TrimPrefix(err.Error(), apikey.ErrInvalidArgument.Error()+": ")
}
