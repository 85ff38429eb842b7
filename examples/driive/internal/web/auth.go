package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
)

// maxFormBytes bounds a form body: the largest legitimate one is a
// 100-character name and a date.
const maxFormBytes = 16 << 10

// signedInHandler is a page handler that runs only for a live session;
// sid is the session's cookie value.
type signedInHandler func(w http.ResponseWriter, r *http.Request, sid string)

// signedIn sends a request without a live session to the sign-in form.
func (h *handler) signedIn(next signedInHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sid := sessionID(r)
		if !h.sessions.valid(sid) {
			if sid != "" {
				http.SetCookie(w, sessionCookie(r, "", -1))
			}
			http.Redirect(w, r, loginPath, http.StatusSeeOther)
			return
		}
		next(w, r, sid)
	})
}

type loginData struct {
	Error     string
	SignedOut bool
}

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if h.sessions.valid(sessionID(r)) {
		http.Redirect(w, r, keysPath, http.StatusSeeOther)
		return
	}
	h.render(w, http.StatusOK, "login", pageData{Title: "Sign in", Login: loginData{SignedOut: r.URL.Query().Has("signed_out")}})
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.render(w, http.StatusBadRequest, "login", pageData{Title: "Sign in", Login: loginData{Error: "The form could not be read. Please try again."}})
		return
	}
	addr := clientAddr(r)
	if left, blocked := h.throttle.blocked(addr); blocked {
		h.log.Warn("developer sign-in refused: too many failures", "remote_addr", r.RemoteAddr)
		w.Header().Set("Retry-After", strconv.Itoa(int(left.Seconds())+1))
		h.render(w, http.StatusTooManyRequests, "login", pageData{Title: "Sign in", Login: loginData{
			Error: fmt.Sprintf("Too many failed attempts. Try again in %s.", plural(int(left.Minutes())+1, "minute"))}})
		return
	}
	if !h.passwordMatches(r.PostForm.Get("password")) {
		h.throttle.fail(addr)
		h.log.Warn("developer sign-in failed", "remote_addr", r.RemoteAddr)
		h.render(w, http.StatusUnauthorized, "login", pageData{Title: "Sign in", Login: loginData{Error: "Incorrect password."}})
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
	http.Redirect(w, r, keysPath, http.StatusSeeOther)
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
