package web

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Failed sign-ins allowed per client address within signInWindow; past
// it the form refuses every attempt from that address until the window
// ends, so the admin password cannot be guessed at network speed.
const (
	signInLimit  = 10
	signInWindow = 10 * time.Minute
	maxTracked   = 10_000 // addresses remembered at most
)

// throttle counts failed sign-ins per client address. The address is the
// connection's (r.RemoteAddr), never a header the client writes: behind a
// reverse proxy every client shares the proxy's budget, which errs on the
// safe side.
type throttle struct {
	now func() time.Time

	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	n     int
	since time.Time // the first failure of the current window
}

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

// blocked reports whether addr has used up its failures, and for how much
// longer.
func (t *throttle) blocked(addr string) (time.Duration, bool) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.m[addr]
	if !ok {
		return 0, false
	}
	left := f.since.Add(signInWindow).Sub(now)
	if left <= 0 {
		delete(t.m, addr)
		return 0, false
	}
	return left, f.n >= signInLimit
}

// fail records a failed sign-in from addr.
func (t *throttle) fail(addr string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.m[addr]
	if !ok || !now.Before(f.since.Add(signInWindow)) {
		if len(t.m) >= maxTracked {
			t.pruneLocked(now)
		}
		f = &failures{since: now}
		t.m[addr] = f
	}
	f.n++
}

// succeed forgets addr's failures.
func (t *throttle) succeed(addr string) {
	t.mu.Lock()
	delete(t.m, addr)
	t.mu.Unlock()
}

// pruneLocked drops ended windows; if every window is live (a flood from
// many addresses), it starts over rather than grow without bound.
func (t *throttle) pruneLocked(now time.Time) {
	for k, f := range t.m {
		if !now.Before(f.since.Add(signInWindow)) {
			delete(t.m, k)
		}
	}
	if len(t.m) >= maxTracked {
		clear(t.m)
	}
}
