package keyadmin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/driive/keyauth/apikey"
)

// Handler serves the management API and the API Keys page of one
// organization per request. Create it with [New]; it is safe for
// concurrent use. It serves the page at the path it is mounted on and the
// API under its api/ segment; [Handler.API] and [Handler.Page] serve one
// of them each, for hosts that mount them apart.
type Handler struct {
	cfg    Config
	svc    *apikey.Service
	cop    *http.CrossOriginProtection
	flash  *flashes
	views  *views
	api    http.Handler
	page   http.Handler
	assets assets
}

// New validates cfg and returns a Handler that uses a copy of it. It does
// no I/O and starts no goroutine.
func New(cfg Config) (*Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	v, err := parseViews()
	if err != nil {
		return nil, err
	}
	var sl *sealer
	if cfg.FlashKey != nil {
		if sl, err = newSealer(cfg.FlashKey); err != nil {
			return nil, err
		}
		cfg.FlashKey = nil // the cipher holds it
	}
	h := &Handler{
		cfg:    cfg,
		svc:    cfg.Service,
		cop:    http.NewCrossOriginProtection(),
		flash:  newFlashes(cfg.Now, sl),
		views:  v,
		assets: assetHandler(),
	}
	h.api = securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serveAPI(w, r, h.request(r))
	}))
	h.page = securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.servePage(w, r, h.request(r))
	}))
	return h, nil
}

// API returns the JSON management API alone. Mount it on a pattern whose
// path holds the organization, for example
// "/admin/v1/organizations/{orgId}/".
func (h *Handler) API() http.Handler { return h.api }

// Page returns the API Keys page alone. Mount it on a pattern that ends
// in the page's own path and on the same pattern with a trailing slash,
// for example "/organizations/{orgId}/developer/api-keys" and
// "/organizations/{orgId}/developer/api-keys/".
func (h *Handler) Page() http.Handler { return h.page }

// ServeHTTP serves the page at the mount path and the API under its api/
// segment.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := h.request(r)
	if len(rq.rest) > 0 && rq.rest[0] == "api" {
		rq.base += "/api"
		rq.rest = rq.rest[1:]
		securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.serveAPI(w, r, rq) })).ServeHTTP(w, r)
		return
	}
	securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.servePage(w, r, rq) })).ServeHTTP(w, r)
}

// request is what every route needs to know about a request.
type request struct {
	org  string   // the organization it addresses; "" if malformed
	base string   // the escaped path the handler is mounted at, no trailing slash
	rest []string // the unescaped path segments below base
}

func (h *Handler) request(r *http.Request) request {
	org := h.cfg.Org(r)
	if apikey.ValidateOrgID(org) != nil {
		org = ""
	}
	base, rest := splitMount(r)
	return request{org: org, base: base, rest: segments(rest)}
}

// splitMount splits the request's path into the part the host's
// http.ServeMux pattern matched and the rest. Without a pattern (another
// router, or http.StripPrefix) the whole path is the rest.
func splitMount(r *http.Request) (base, rest string) {
	path := r.URL.EscapedPath()
	pat := r.Pattern
	if i := strings.IndexByte(pat, ' '); i >= 0 {
		pat = pat[i+1:]
	}
	i := strings.IndexByte(pat, '/')
	if i < 0 {
		return "", path
	}
	pat = strings.TrimSuffix(pat[i:], "{$}")
	if strings.HasSuffix(pat, "...}") {
		pat = pat[:strings.LastIndexByte(pat, '{')]
	}
	n := strings.Count(strings.TrimSuffix(pat, "/"), "/")
	end := 0
	for k := 0; k < n; k++ {
		j := strings.IndexByte(path[end+1:], '/')
		if j < 0 {
			end = len(path)
			break
		}
		end += 1 + j
	}
	return path[:end], path[end:]
}

// segments splits an escaped path into unescaped segments, dropping
// empty ones.
func segments(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s == "" {
			continue
		}
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		out = append(out, s)
	}
	return out
}

// securityHeaders are the headers every answer carries: no framing, no
// sniffing, scripts and styles from the embedded assets only.
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

// actorContext returns the request's context carrying the actor, for
// the Service's audit trail.
func (h *Handler) actorContext(r *http.Request, a Actor) *http.Request {
	return r.WithContext(withActor(r.Context(), a, h.cfg.ClientAddr(r)))
}
