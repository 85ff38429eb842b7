package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/examples/driive/internal/web"
)

// handlerConfig is what the HTTP handler is built from.
type handlerConfig struct {
	DB        *database
	CursorKey []byte                          // signs list cursors
	Auth      func(http.Handler) http.Handler // the keyauth middleware
	MCPAuth   func(http.Handler) http.Handler // the same, not bound to an organization, for /mcp
	Web       http.Handler                    // the sign-in, the API Keys pages and the management API, at web.Patterns
	Logger    *slog.Logger                    // request log and internal errors
	Now       func() time.Time                // default time.Now
}

// server answers the example's API.
type server struct {
	db      *database
	cursors cursors
	log     *slog.Logger
	clock   func() time.Time
}

func (s *server) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// newHandler returns the whole HTTP surface: /healthz, the API under
// /v1/organizations/{orgId}/, and the web pages under /developer/.
func newHandler(cfg handlerConfig) (http.Handler, error) {
	if cfg.DB == nil || cfg.Auth == nil || cfg.MCPAuth == nil || cfg.Web == nil || cfg.Logger == nil || len(cfg.CursorKey) == 0 {
		return nil, errors.New("driive: handlerConfig needs DB, CursorKey, Auth, MCPAuth, Web and Logger")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &server{db: cfg.DB, cursors: cursors{key: cfg.CursorKey}, log: cfg.Logger, clock: cfg.Now}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)

	// Every API route is authenticated: the middleware checks the key, that
	// its organization is {orgId}, and read (GET, HEAD, OPTIONS) or write
	// permission by method.
	api := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cfg.Auth(requirePrincipal(h)))
	}
	mount(s, mux, api, contacts)
	mount(s, mux, api, appointments)
	mount(s, mux, api, teamMembers)
	api("GET /v1/organizations/{orgId}/availability", s.getAvailability)
	mux.Handle("/v1/organizations/{orgId}/availability", methodNotAllowed("GET, HEAD"))
	mux.Handle("/mcp", s.newMCPHandler(cfg.MCPAuth))

	for _, p := range web.Patterns {
		mux.Handle(p, cfg.Web)
	}
	mux.Handle("GET /{$}", http.RedirectHandler("/developer/api-keys", http.StatusSeeOther))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return logRequests(cfg.Logger, mux), nil
}

// requirePrincipal runs h only for a request the middleware authenticated
// for the path's organization. The middleware already guarantees both;
// this keeps a mistake in wiring from serving one organization's data to
// anyone.
func requirePrincipal(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := apikey.FromContext(r.Context())
		if !ok || p.OrgID != r.PathValue("orgId") {
			notFound(w)
			return
		}
		noteKey(r.Context(), p.KeyID)
		// Organization data is never for a shared cache.
		w.Header().Set("Cache-Control", "no-store")
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			writeProblem(w, http.StatusBadRequest, codeInvalidRequest, "the query string is malformed")
			return
		}
		h(w, r)
	})
}

// orgOf returns the organization of an authenticated request.
func orgOf(r *http.Request) string {
	p, _ := apikey.FromContext(r.Context())
	return p.OrgID
}

func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeProblem(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "allowed methods: "+allow)
	})
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.db.PingContext(ctx); err != nil {
		s.log.Warn("health check: database unreachable", "error", err)
		writeProblem(w, http.StatusServiceUnavailable, codeUnavailable, "the database is unreachable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// internalError logs a failure the client cannot act on and answers
// without its details: 503 with Retry-After when the database does not
// answer a ping (an outage the client may wait out), 500 otherwise.
func (s *server) internalError(w http.ResponseWriter, r *http.Request, doing string, err error) {
	if r.Context().Err() != nil {
		return // the client left; nobody reads the answer
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if pingErr := s.db.db.PingContext(ctx); pingErr != nil {
		s.log.Warn("driive: "+doing+": database unreachable", "path", redactKeys(r.URL.Path), "error", err)
		w.Header().Set("Retry-After", "2")
		writeProblem(w, http.StatusServiceUnavailable, codeUnavailable, "the database is unreachable; try again later")
		return
	}
	s.log.Error("driive: "+doing, "path", redactKeys(r.URL.Path), "error", err)
	writeProblem(w, http.StatusInternalServerError, codeInternal, "the server could not complete the request")
}
