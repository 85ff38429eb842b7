package apikey

import (
	"sync"
	"time"
)

// failures is the per-id budget of wrong secrets (Config.FailureLimit). It
// only sees ids that exist in the store: unknown ids never get this far.
type failures struct {
	limit  int
	window time.Duration

	mu sync.Mutex
	m  map[string]*failState
}

type failState struct {
	count int
	since time.Time // start of the counting window
	until time.Time // end of the cool-down; zero: none
}

// maxTracked bounds the map; past it, finished windows are dropped.
const maxTracked = 100_000

func (f *failures) blocked(id string, now time.Time) bool {
	if f.limit < 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.m[id]
	return st != nil && now.Before(st.until)
}

func (f *failures) fail(id string, now time.Time) {
	if f.limit < 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.m[id]
	if st == nil || now.Sub(st.since) > f.window {
		if st == nil && len(f.m) >= maxTracked {
			f.pruneLocked(now)
		}
		st = &failState{since: now}
		f.m[id] = st
	}
	st.count++
	if st.count >= f.limit {
		st.until = now.Add(f.window)
		st.count, st.since = 0, st.until
	}
}

func (f *failures) reset(id string) {
	f.mu.Lock()
	delete(f.m, id)
	f.mu.Unlock()
}

func (f *failures) pruneLocked(now time.Time) {
	for id, st := range f.m {
		if now.Sub(st.since) > f.window && !now.Before(st.until) {
			delete(f.m, id)
		}
	}
}
