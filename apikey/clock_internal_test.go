package apikey

import (
	"testing"
	"time"
)

func TestClockFollowsTheWallClock(t *testing.T) {
	c := newClock(nil)
	for _, shift := range []time.Duration{0, -2 * rebase, 2 * rebase} {
		// A stale or future base (as after a step of the system clock) is
		// replaced on the next read.
		b := c.base.Load().Add(shift)
		c.base.Store(&b)
		before := time.Now().UnixNano()
		got := c.nanos()
		after := time.Now().UnixNano()
		if got < before-int64(time.Millisecond) || got > after+int64(time.Millisecond) {
			t.Fatalf("shift %v: nanos %d outside [%d, %d]", shift, got, before, after)
		}
	}
	fake := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := newClock(func() time.Time { return fake }).nanos(); got != fake.UnixNano() {
		t.Fatalf("Config.Now clock = %d, want %d", got, fake.UnixNano())
	}
}
