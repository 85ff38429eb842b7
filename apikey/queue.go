package apikey

import (
	"sync"
	"sync/atomic"
	"time"
)

// runQueue tells a request that gives up waiting for an argon2id slot
// when its key's queued run (cold.go, startVerify) should be done. Slots
// are handed out in the order runs start waiting (a Go channel's blocked
// senders are served first in, first out), so a run's place is its ticket
// minus the tickets done waiting; the runs ahead of it take
// place/slots rounds of one run each.
type runQueue struct {
	issued  atomic.Int64 // tickets handed to queued runs
	left    atomic.Int64 // queued runs done waiting (with a slot, or out of time)
	tickets sync.Map     // digest -> ticket, while the run waits or runs
	runNs   atomic.Int64 // moving average of one argon2id run, ns; 0: none yet
}

// join gives the run for d its ticket; leave ends it.
func (q *runQueue) join(d digest)  { q.tickets.Store(d, q.issued.Add(1)) }
func (q *runQueue) leave(d digest) { q.tickets.Delete(d) }

// leftWait records that a queued run is done waiting for a slot.
func (q *runQueue) leftWait() { q.left.Add(1) }

// ran folds one run's duration into the average (weight 1/8).
func (q *runQueue) ran(d time.Duration) {
	for {
		old := q.runNs.Load()
		next := int64(d)
		if old != 0 {
			next = old + (int64(d)-old)/8
		}
		if q.runNs.CompareAndSwap(old, next) {
			return
		}
	}
}

// wait estimates how long the queued run for d has left before it is
// done: the runs waiting ahead of it, over the slots, times one run, and
// half a run for the runs in progress (on average half done) plus its own
// run. The middleware rounds it down to whole seconds. It leans early on
// purpose: a retry that comes before the run ends waits for it within
// HashWait and is answered the moment it is done, while one that comes
// late adds its lateness to the client's wait. ok is false when
// there is nothing to go on (no queued run for d, or no run measured yet).
func (q *runQueue) wait(d digest, slots int) (time.Duration, bool) {
	v, ok := q.tickets.Load(d)
	run := q.runNs.Load()
	if !ok || run <= 0 || slots <= 0 {
		return 0, false
	}
	ahead := max(v.(int64)-q.left.Load()-1, 0) // runs still waiting before it
	return time.Duration(ahead*run/int64(slots) + run/2), true
}
