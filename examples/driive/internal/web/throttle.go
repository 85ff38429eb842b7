package web

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Failed sign-ins (form or HTTP Basic) allowed within signInWindow: per
// client address, and from all addresses together. Past the first the
// address is refused until its window ends; past the second every address
// is, so that guesses spread over many addresses (a botnet, or a /64 of
// IPv6) get no further than guesses from one. The global budget lets an
// attacker lock the admin out for a while; for a password that opens
// every organization's keys, that is the better failure.
const (
	signInLimit       = 10
	globalSignInLimit = 100
	signInWindow      = 10 * time.Minute
)

// throttle counts failed sign-ins. The address is the connection's
// (r.RemoteAddr), never a header the client writes: behind a reverse
// proxy every client shares the proxy's budget, which errs on the safe
// side.
type throttle struct {
	now func() time.Time

	mu     sync.Mutex
	m      map[string]*failures // at most 2*globalSignInLimit entries
	global failures
}

type failures struct {
	n     int
	since time.Time // the first failure of the current window
}

// live reports whether f's window is still open at now.
func (f *failures) live(now time.Time) bool { return now.Before(f.since.Add(signInWindow)) }

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, m: make(map[string]*failures)}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// blocked reports whether addr, or everyone, has used up the failures of
// the window, and for how much longer.
func (t *throttle) blocked(addr string) (time.Duration, bool) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.global.live(now) && t.global.n >= globalSignInLimit {
		return t.global.since.Add(signInWindow).Sub(now), true
	}
	f, ok := t.m[addr]
	if !ok {
		return 0, false
	}
	if !f.live(now) {
		delete(t.m, addr)
		return 0, false
	}
	return f.since.Add(signInWindow).Sub(now), f.n >= signInLimit
}

// fail records a failed sign-in from addr.
func (t *throttle) fail(addr string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.global.live(now) {
		t.global = failures{since: now}
		// Pruning at each new global window keeps in the map only
		// addresses that failed in the last two windows: at most twice
		// the global limit.
		for k, f := range t.m {
			if !f.live(now) {
				delete(t.m, k)
			}
		}
	}
	t.global.n++
	f, ok := t.m[addr]
	if !ok || !f.live(now) {
		f = &failures{since: now}
		t.m[addr] = f
	}
	f.n++
}

// succeed forgets addr's failures; the global count stays, so a right
// password from one address does not reopen the door for the others.
func (t *throttle) succeed(addr string) {
	t.mu.Lock()
	delete(t.m, addr)
	t.mu.Unlock()
}
