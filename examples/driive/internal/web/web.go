package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware/keyadmin"
)

// Config configures the example's admin area.
type Config struct {
	// Service manages the keys. Required.
	Service *apikey.Service

	// AdminPassword is the password of the sign-in form and of HTTP Basic
	// user "admin". Required, at least MinPasswordLen characters.
	AdminPassword string

	// Logger receives sign-ins and refusals (never a key or a password).
	// Default: discard.
	Logger *slog.Logger

	// Now is the clock for sessions, throttling and the page. Default
	// time.Now.
	Now func() time.Time
}

// MinPasswordLen is the shortest admin password the example accepts: the
// password also opens the management API to scripts.
const MinPasswordLen = 12

// sessionTTL is how long a sign-in lasts. It is absolute, not sliding: an
// admin session that never ends is a standing risk on a shared machine.
const sessionTTL = 12 * time.Hour

// demoOrg is the organization the switcher lists first.
const demoOrg = "demo"

// handler serves the admin area. It is safe for concurrent use.
type handler struct {
	password []byte
	log      *slog.Logger
	now      func() time.Time
	sessions *sessions
	throttle *throttle
	admin    *keyadmin.Handler
	views    *views
	mux      *http.ServeMux
}

// Patterns are where the host mounts the handler [New] returns: the
// sign-in and the organization switcher, the API Keys page of any
// organization, and the management API.
var Patterns = []string{
	"/developer/",
	"/organizations/{orgId}/developer/api-keys",
	"/organizations/{orgId}/developer/api-keys/",
	"/admin/v1/organizations/{orgId}/",
}

// New validates cfg and returns the handler for [Patterns]. It does no I/O
// and starts no goroutine.
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("web: Config.Service is nil")
	}
	if len(cfg.AdminPassword) < MinPasswordLen {
		return nil, errors.New("web: Config.AdminPassword must be at least 12 characters")
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
		password: []byte(cfg.AdminPassword),
		log:      cfg.Logger,
		now:      cfg.Now,
		sessions: newSessions(cfg.Now, sessionTTL),
		throttle: newThrottle(cfg.Now),
		views:    v,
	}
	// The library serves the page and the API; the example only says who
	// is signed in (the admin) and that the admin may do everything.
	h.admin, err = keyadmin.New(keyadmin.Config{
		Service: cfg.Service,
		Actor:   h.actor,
		Authorize: func(_ context.Context, a keyadmin.Actor, _ string, _ keyadmin.Action) bool {
			return a.ID == adminID
		},
		SignIn:     http.HandlerFunc(h.toSignIn),
		Challenge:  `Basic realm="driive admin", charset="UTF-8"`,
		SignOutURL: logoutPath,
		OrgsURL:    orgsPath,
		Product:    "Driive",
		Logger:     cfg.Logger,
		Now:        cfg.Now,
	})
	if err != nil {
		return nil, err
	}
	h.routes()
	return h.mux, nil
}

const (
	orgsPath   = "/developer/api-keys"
	loginPath  = "/developer/login"
	logoutPath = "/developer/logout"
)

func (h *handler) routes() {
	mux := http.NewServeMux()
	mux.Handle("GET /developer/assets/", assetHandler())
	mux.HandleFunc("GET /developer/{$}", redirectTo(orgsPath))
	mux.HandleFunc("GET /developer/login", h.loginForm)
	mux.HandleFunc("POST /developer/login", h.login)
	mux.HandleFunc("POST /developer/logout", h.logout)
	mux.HandleFunc("GET "+orgsPath, h.orgs)
	mux.HandleFunc("/developer/", h.notFound)
	for _, p := range Patterns[1:3] {
		mux.Handle(p, h.admin.Page())
	}
	mux.Handle(Patterns[3], h.admin.API())

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOriginDenied))
	h.mux = http.NewServeMux()
	h.mux.Handle("/", securityHeaders(cop.Handler(mux)))
	// The library's handlers check origins themselves; the pattern must
	// reach them as they are mounted.
	for _, p := range Patterns[1:] {
		h.mux.Handle(p, mux)
	}
}

func redirectTo(path string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, path, http.StatusSeeOther)
	}
}

// securityHeaders sets the headers of the example's own pages: no
// caching, no framing, styles from the embedded asset only.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
