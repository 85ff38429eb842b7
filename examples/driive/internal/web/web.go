package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Config configures the API Keys page handler.
type Config struct {
	// Service creates, lists and revokes the keys. Required.
	Service *apikey.Service

	// AdminPassword is the password of the sign-in form. Required,
	// non-empty.
	AdminPassword string

	// OrgID is the organization whose keys the page manages. Default
	// "demo".
	OrgID string

	// Logger receives sign-ins, key creations and revocations (never a key
	// or a password). Default: discard.
	Logger *slog.Logger

	// Now is the clock for sessions, dates and "last used" times. Default
	// time.Now.
	Now func() time.Time
}

// sessionTTL is how long a sign-in lasts. It is absolute, not sliding: an
// admin session that never ends is a standing risk on a shared machine.
const sessionTTL = 12 * time.Hour

// pageSize is the number of keys per page of the table.
const pageSize = 20

// handler serves the page. It is safe for concurrent use.
type handler struct {
	svc      *apikey.Service
	password []byte
	org      string
	log      *slog.Logger
	now      func() time.Time
	sessions *sessions
	throttle *throttle
	views    *views
}

// New validates cfg and returns the handler for everything under
// /developer/. It does no I/O and starts no goroutine.
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("web: Config.Service is nil")
	}
	if cfg.AdminPassword == "" {
		return nil, errors.New("web: Config.AdminPassword is empty")
	}
	if cfg.OrgID == "" {
		cfg.OrgID = "demo"
	}
	if err := apikey.ValidateOrgID(cfg.OrgID); err != nil {
		return nil, fmt.Errorf("web: Config.OrgID: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	v, err := parseViews()
	if err != nil {
		return nil, err
	}
	h := &handler{
		svc:      cfg.Service,
		password: []byte(cfg.AdminPassword),
		org:      cfg.OrgID,
		log:      cfg.Logger,
		now:      cfg.Now,
		sessions: newSessions(cfg.Now, sessionTTL),
		throttle: newThrottle(cfg.Now),
		views:    v,
	}
	return h.routes(), nil
}

func (h *handler) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /developer/assets/", assetHandler())
	mux.HandleFunc("GET /developer/{$}", redirectTo(keysPath))
	mux.HandleFunc("GET /developer/login", h.loginForm)
	mux.HandleFunc("POST /developer/login", h.login)
	mux.HandleFunc("POST /developer/logout", h.logout)
	mux.Handle("GET "+keysPath, h.signedIn(h.listKeys))
	mux.Handle("POST "+keysPath, h.signedIn(h.createKey))
	mux.Handle("GET "+keysPath+"/new", h.signedIn(h.newKeyForm))
	mux.Handle("GET "+keysPath+"/{id}/revoke", h.signedIn(h.revokeForm))
	mux.Handle("POST "+keysPath+"/{id}/revoke", h.signedIn(h.revokeKey))
	mux.HandleFunc("/developer/", h.notFound)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	return securityHeaders(cop.Handler(mux))
}

const (
	keysPath  = "/developer/api-keys"
	loginPath = "/developer/login"
)

func redirectTo(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, path, http.StatusSeeOther)
	}
}

// securityHeaders sets headers every page of the admin area carries: no
// caching (a page may hold a new key), no framing, scripts and styles from
// our own embedded assets only.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
