package keyadmin

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// apiRoute is one route of the API: the action it needs and its handler.
type apiRoute struct {
	action Action
	serve  func(w http.ResponseWriter, r *http.Request, rq request)
}

// apiRoutes finds the route of a method and path below the mount, or
// says which methods the path allows (empty: no such path).
func (h *Handler) apiRoutes(method string, rest []string) (apiRoute, string) {
	switch {
	case len(rest) == 1 && rest[0] == "api-keys":
		switch method {
		case http.MethodGet, http.MethodHead:
			return apiRoute{View, h.apiList}, ""
		case http.MethodPost:
			return apiRoute{Create, h.apiCreate}, ""
		}
		return apiRoute{}, "GET, HEAD, POST"
	case len(rest) == 2 && rest[0] == "api-keys":
		if method == http.MethodGet || method == http.MethodHead {
			return apiRoute{View, h.apiGet}, ""
		}
		return apiRoute{}, "GET, HEAD"
	case len(rest) == 3 && rest[0] == "api-keys" && (rest[2] == "rotate" || rest[2] == "revoke"):
		if method != http.MethodPost {
			return apiRoute{}, "POST"
		}
		if rest[2] == "rotate" {
			return apiRoute{Rotate, h.apiRotate}, ""
		}
		return apiRoute{Revoke, h.apiRevoke}, ""
	case len(rest) == 1 && rest[0] == "audit-events":
		if method == http.MethodGet || method == http.MethodHead {
			return apiRoute{View, h.apiEvents}, ""
		}
		return apiRoute{}, "GET, HEAD"
	}
	return apiRoute{}, ""
}

// serveAPI runs the checks in a fixed order: same origin for a change
// (403), organization (404), actor (401), route (404, 405), right (403).
func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request, rq request) {
	if err := h.cop.Check(r); err != nil {
		h.cfg.Logger.Warn("keyadmin: cross-origin request refused", "method", r.Method, "remote_addr", r.RemoteAddr)
		writeProblem(w, http.StatusForbidden, CodeForbidden, "cross-origin requests may not change keys")
		return
	}
	if rq.org == "" {
		writeProblem(w, http.StatusNotFound, CodeNotFound, "no such organization")
		return
	}
	a, ok := h.cfg.Actor(r)
	if !ok {
		if h.cfg.Challenge != "" {
			w.Header().Set("WWW-Authenticate", h.cfg.Challenge)
		}
		writeProblem(w, http.StatusUnauthorized, middleware.CodeMissingAPIKey, "sign in to manage keys")
		return
	}
	route, allow := h.apiRoutes(r.Method, rq.rest)
	if route.serve == nil {
		if allow != "" {
			w.Header().Set("Allow", allow)
			writeProblem(w, http.StatusMethodNotAllowed, middleware.CodeInvalidRequest, "allowed methods: "+allow)
			return
		}
		writeProblem(w, http.StatusNotFound, CodeNotFound, "no such resource")
		return
	}
	if !h.cfg.Authorize(r.Context(), a, rq.org, route.action) {
		writeProblem(w, http.StatusForbidden, CodeForbidden, "you may not "+string(route.action)+" keys of this organization")
		return
	}
	route.serve(w, h.actorContext(r, a), rq)
}

const (
	defaultLimit = 50
	maxLimit     = 100
	maxBody      = 64 << 10
	// defaultGrace is how long a rotated key keeps working when the
	// request names no grace period.
	defaultGrace = 24 * time.Hour
	// maxGrace bounds the grace period: a rotation that leaves the old
	// key working for months is no rotation.
	maxGrace = 90 * 24 * time.Hour
)

// pageParams reads limit and cursor as the data API does: a limit outside
// 1-100 is a bad request.
func pageParams(w http.ResponseWriter, r *http.Request) (int, string, bool) {
	q := r.URL.Query()
	limit := defaultLimit
	if s := q.Get("limit"); s != "" || q.Has("limit") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			writeProblem(w, http.StatusBadRequest, middleware.CodeInvalidRequest, "limit must be an integer from 1 to 100")
			return 0, "", false
		}
		limit = n
	}
	return limit, q.Get("cursor"), true
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request, rq request) {
	limit, cursor, ok := pageParams(w, r)
	if !ok {
		return
	}
	page, err := h.svc.List(r.Context(), rq.org, apikey.ListOptions{Limit: limit, Cursor: cursor})
	if h.listFailed(w, r, err) {
		return
	}
	writePage(w, page.Keys, page.NextCursor, keyOf)
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request, rq request) {
	k, err := h.svc.Get(r.Context(), rq.org, rq.rest[1])
	if err != nil {
		h.serviceFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyOf(k))
}

func (h *Handler) apiCreate(w http.ResponseWriter, r *http.Request, rq request) {
	var in createJSON
	if !decodeBody(w, r, &in, false) {
		return
	}
	var errs []fieldError
	if in.Name == nil {
		errs = append(errs, fieldError{"name", "is required"})
	} else if msg := nameProblem(*in.Name); msg != "" {
		errs = append(errs, fieldError{"name", msg})
	}
	var perm apikey.Permission
	if in.Permission == nil {
		errs = append(errs, fieldError{"permission", "is required"})
	} else if p, err := apikey.ParsePermission(*in.Permission); err != nil {
		errs = append(errs, fieldError{"permission", `must be "read" or "write"`})
	} else {
		perm = p
	}
	expires, ferr := parseExpiry(in.ExpiresAt, h.cfg.Now())
	if ferr != nil {
		errs = append(errs, *ferr)
	}
	if len(errs) > 0 {
		validationFailed(w, errs...)
		return
	}
	k, secret, err := h.svc.Create(r.Context(), apikey.CreateParams{OrgID: rq.org, Name: *in.Name, Permission: perm, ExpiresAt: expires})
	if errors.Is(err, apikey.ErrInvalidArgument) {
		// A rule the checks above missed, or a clock tick past the expiry.
		validationFailed(w, fieldError{"body", serviceReason(err)})
		return
	}
	if err != nil {
		h.serviceFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newKeyJSON{keyJSON: keyOf(k), Key: secret.Reveal()})
}

func (h *Handler) apiRotate(w http.ResponseWriter, r *http.Request, rq request) {
	var in rotateJSON
	if !decodeBody(w, r, &in, true) {
		return
	}
	grace := defaultGrace
	var errs []fieldError
	if in.Grace != nil {
		d, err := time.ParseDuration(*in.Grace)
		switch {
		case err != nil:
			errs = append(errs, fieldError{"grace", `must be a duration like "24h" or "0s"`})
		case d < 0 || d > maxGrace:
			errs = append(errs, fieldError{"grace", "must be from 0s to 2160h (90 days)"})
		default:
			grace = d
		}
	}
	expires, ferr := parseExpiry(in.ExpiresAt, h.cfg.Now())
	if ferr != nil {
		errs = append(errs, *ferr)
	}
	if len(errs) > 0 {
		validationFailed(w, errs...)
		return
	}
	k, secret, err := h.svc.Rotate(r.Context(), apikey.RotateParams{OrgID: rq.org, ID: rq.rest[1], Grace: grace, ExpiresAt: expires})
	if err != nil {
		h.serviceFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newKeyJSON{keyJSON: keyOf(k), Key: secret.Reveal()})
}

func (h *Handler) apiRevoke(w http.ResponseWriter, r *http.Request, rq request) {
	if !decodeBody(w, r, &struct{}{}, true) {
		return
	}
	k, err := h.svc.Revoke(r.Context(), rq.org, rq.rest[1])
	if err != nil {
		h.serviceFailure(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, keyOf(k))
}

// parseExpiry reads an optional RFC 3339 expiry, which must be in the
// future.
func parseExpiry(s *string, now time.Time) (time.Time, *fieldError) {
	if s == nil {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	switch {
	case err != nil:
		return time.Time{}, &fieldError{"expires_at", "must be an RFC 3339 time like 2030-01-31T00:00:00Z"}
	case !t.After(now):
		return time.Time{}, &fieldError{"expires_at", "must be in the future"}
	case t.After(now.Add(maxExpiry)):
		return time.Time{}, &fieldError{"expires_at", "must be within 10 years"}
	}
	return t, nil
}

// serviceFailure answers an error of the Service.
func (h *Handler) serviceFailure(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, apikey.ErrNotFound):
		writeProblem(w, http.StatusNotFound, CodeNotFound, "no such key in this organization")
	case errors.Is(err, apikey.ErrKeyRevoked):
		writeProblem(w, http.StatusConflict, middleware.CodeAPIKeyRevoked, "the key is revoked; create a new one instead")
	case errors.Is(err, apikey.ErrKeyExpired):
		writeProblem(w, http.StatusConflict, middleware.CodeAPIKeyExpired, "the key has expired; create a new one instead")
	case errors.Is(err, errAlreadyRotated):
		writeProblem(w, http.StatusConflict, CodeValidationFailed, "the key was already rotated; rotate its replacement instead")
	case errors.Is(err, apikey.ErrInvalidArgument):
		// The handlers check every rule of a body before they call the
		// Service: what is left is an id that cannot be a key's.
		writeProblem(w, http.StatusNotFound, CodeNotFound, "no such key in this organization")
	default:
		h.cfg.Logger.Error("keyadmin: key store failure", "method", r.Method, "err", err)
		writeProblem(w, http.StatusServiceUnavailable, middleware.CodeAuthUnavailable, "the key store could not be reached; try again later")
	}
}
