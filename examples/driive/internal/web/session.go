package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie. Its value is a random id; everything
// else about the session stays on the server.
const cookieName = "driive_admin"

// maxSessions bounds the memory sign-ins can take. Reaching it drops the
// session that ends soonest: at worst someone has to sign in again.
const maxSessions = 10_000

// sessions holds signed-in sessions in memory, keyed by the SHA-256 of
// their cookie value, so that the map's lookup time says nothing about
// the ids it holds.
type sessions struct {
	now func() time.Time
	ttl time.Duration

	mu sync.Mutex
	m  map[[sha256.Size]byte]*session
}

type session struct {
	expires time.Time
}

func newSessions(now func() time.Time, ttl time.Duration) *sessions {
	return &sessions{now: now, ttl: ttl, m: make(map[[sha256.Size]byte]*session)}
}

// start creates a session and returns its cookie value.
func (s *sessions) start() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	id := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked(now)
	s.m[sha256.Sum256([]byte(id))] = &session{expires: now.Add(s.ttl)}
	return id
}

// pruneLocked drops expired sessions and, past maxSessions, the one that
// ends soonest. Sign-ins are rare, so a scan per sign-in is cheap and
// spares a background goroutine.
func (s *sessions) pruneLocked(now time.Time) {
	var soonest [sha256.Size]byte
	var soonestAt time.Time
	for k, v := range s.m {
		if !now.Before(v.expires) {
			delete(s.m, k)
			continue
		}
		if soonestAt.IsZero() || v.expires.Before(soonestAt) {
			soonest, soonestAt = k, v.expires
		}
	}
	if len(s.m) >= maxSessions {
		delete(s.m, soonest)
	}
}

// valid reports whether id names a live session.
func (s *sessions) valid(id string) bool {
	_, ok := s.get(id)
	return ok
}

func (s *sessions) get(id string) (*session, bool) {
	if id == "" {
		return nil, false
	}
	k := sha256.Sum256([]byte(id))
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[k]
	if !ok {
		return nil, false
	}
	if !s.now().Before(v.expires) {
		delete(s.m, k)
		return nil, false
	}
	return v, true
}

// end deletes the session.
func (s *sessions) end(id string) {
	k := sha256.Sum256([]byte(id))
	s.mu.Lock()
	delete(s.m, k)
	s.mu.Unlock()
}

// sessionCookie returns the cookie carrying id. Secure is set only when
// this very connection is TLS: a client-sent header such as
// X-Forwarded-Proto must not decide it.
func sessionCookie(r *http.Request, id string, maxAge int) *http.Cookie {
	// #nosec G124 -- Secure is set exactly when the connection is TLS; a
	// Secure cookie over plain HTTP (the local example) would never return.
	return &http.Cookie{
		Name:     cookieName,
		Value:    id,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	}
}

// sessionID returns the request's session cookie value, or "".
func sessionID(r *http.Request) string {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return ""
	}
	return c.Value
}
