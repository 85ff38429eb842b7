package apikey

import (
	"sync/atomic"
	"time"
)

// clock reads the time for the request path as unix nanoseconds. With
// Config.Now set it asks Config.Now every time. Otherwise it reads only the
// monotonic clock and adds it to a wall-clock reading taken at most a
// second earlier: time.Now reads two clocks, and on virtual machines each
// read costs about as much as the SHA-256 of the key, which is the rest of
// the cached path. A step of the system clock is seen within a second.
type clock struct {
	now  func() time.Time // Config.Now; nil: the real clock
	base atomic.Pointer[time.Time]
}

// rebase is how long a wall-clock reading is extended by the monotonic
// clock.
const rebase = time.Second

func newClock(now func() time.Time) *clock {
	c := &clock{now: now}
	if now == nil {
		t := time.Now()
		c.base.Store(&t)
	}
	return c
}

func (c *clock) nanos() int64 {
	if c.now != nil {
		return c.now().UnixNano()
	}
	b := c.base.Load()
	d := time.Since(*b)
	if d < 0 || d >= rebase {
		t := time.Now()
		c.base.Store(&t)
		return t.UnixNano()
	}
	return b.UnixNano() + int64(d)
}
