package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/driive/keyauth/middleware/keyadmin"
)

// maxFormBytes bounds the sign-in form.
const maxFormBytes = 16 << 10

// adminID is the audit trail's id of the example's one administrator.
const adminID = "admin"

// actor is the admin when the request has a live session, or HTTP Basic
// credentials "admin" and the admin password (for scripts against the
// management API). Basic guesses count against the same throttle as the
// sign-in form: the API is no faster way to guess the password.
func (h *handler) actor(r *http.Request) (keyadmin.Actor, bool) {
	if h.sessions.valid(sessionID(r)) {
		return keyadmin.Actor{ID: adminID, Name: "Admin"}, true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return keyadmin.Actor{}, false
	}
	addr := clientAddr(r)
	if _, blocked := h.throttle.blocked(addr); blocked {
		h.log.Warn("admin API: basic credentials refused: too many failures", "remote_addr", r.RemoteAddr)
		return keyadmin.Actor{}, false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(adminID)) == 1
	if !h.passwordMatches(pass) || !userOK {
		h.throttle.fail(addr)
		h.log.Warn("admin API: wrong basic credentials", "remote_addr", r.RemoteAddr)
		return keyadmin.Actor{}, false
	}
	return keyadmin.Actor{ID: adminID, Name: "Admin"}, true
}

// toSignIn sends a page request without a session to the sign-in form,
// which brings the admin back afterwards.
func (h *handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	if sid := sessionID(r); sid != "" {
		http.SetCookie(w, sessionCookie(r, "", -1))
	}
	http.Redirect(w, r, loginPath+"?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
}

// nextPath is where to go after signing in: a path on this server only.
func nextPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return orgsPath
	}
	return next
}

type loginData struct {
	Error     string
	SignedOut bool
	Next      string
}

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := nextPath(r.URL.Query().Get("next"))
	if h.sessions.valid(sessionID(r)) {
		http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- nextPath keeps it a path on this server
		return
	}
	h.render(w, http.StatusOK, "login", pageData{Title: "Sign in", Login: loginData{SignedOut: r.URL.Query().Has("signed_out"), Next: next}})
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.render(w, http.StatusBadRequest, "login", pageData{Title: "Sign in", Login: loginData{Error: "The form could not be read. Please try again."}})
		return
	}
	next := nextPath(r.PostForm.Get("next"))
	addr := clientAddr(r)
	if left, blocked := h.throttle.blocked(addr); blocked {
		h.log.Warn("developer sign-in refused: too many failures", "remote_addr", r.RemoteAddr)
		w.Header().Set("Retry-After", strconv.Itoa(int(left.Seconds())+1))
		h.render(w, http.StatusTooManyRequests, "login", pageData{Title: "Sign in", Login: loginData{Next: next,
			Error: fmt.Sprintf("Too many failed attempts. Try again in %s.", minutes(left))}})
		return
	}
	if !h.passwordMatches(r.PostForm.Get("password")) {
		h.throttle.fail(addr)
		h.log.Warn("developer sign-in failed", "remote_addr", r.RemoteAddr)
		h.render(w, http.StatusUnauthorized, "login", pageData{Title: "Sign in", Login: loginData{Error: "Incorrect password.", Next: next}})
		return
	}
	h.throttle.succeed(addr)
	// A fresh id on every sign-in, and the old session (if any) ended, so
	// a cookie planted before sign-in is worth nothing after it.
	if old := sessionID(r); old != "" {
		h.sessions.end(old)
	}
	sid := h.sessions.start()
	http.SetCookie(w, sessionCookie(r, sid, int(sessionTTL.Seconds())))
	h.log.Info("developer sign-in", "remote_addr", r.RemoteAddr)
	http.Redirect(w, r, next, http.StatusSeeOther) // #nosec G710 -- nextPath keeps it a path on this server
}

// passwordMatches compares digests in constant time, so neither the
// password's content nor its length leaks through timing.
func (h *handler) passwordMatches(given string) bool {
	a := sha256.Sum256([]byte(given))
	b := sha256.Sum256(h.password)
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if sid := sessionID(r); sid != "" {
		h.sessions.end(sid)
	}
	http.SetCookie(w, sessionCookie(r, "", -1))
	http.Redirect(w, r, loginPath+"?signed_out", http.StatusSeeOther)
}

func (h *handler) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	h.log.Warn("developer page: cross-origin request refused", "method", r.Method, "path", r.URL.Path, "remote_addr", r.RemoteAddr)
	h.render(w, http.StatusForbidden, "message", pageData{Title: "Request refused",
		Message: "This form was sent from another site, so it was refused. Open the page and try again there."})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusNotFound, "message", pageData{Title: "Page not found", Message: "There is nothing at this address."})
}

func minutes(d interface{ Minutes() float64 }) string {
	n := int(d.Minutes()) + 1
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}
