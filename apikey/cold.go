package apikey

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"
)

// The cold path: a well-formed key whose text is not cached.
//
//  1. The id's record is read: from the read kept for the id if it is less
//     than a second old, otherwise from the store, one read shared by
//     every concurrent request for the id (reads.go). An unknown id is
//     refused here, and so is every request for an id whose read failed
//     within that second (ErrUnavailable).
//  2. The check tag (tag.go) refuses a wrong secret at the cost of a
//     SHA-256.
//  3. argon2id runs, once for concurrent requests with one text, in one of
//     the Config.MaxConcurrentHashes slots.
//  4. On success, the key is cached, and a row without a tag (or with one
//     of another construction) gets its tag.
//
// No request without the secret changes what a request with it gets: wrong
// secrets share the id's read, which the right secret may use too, and
// never take a hash slot (tagged rows) or take one only for their own
// argon2id run (rows without a tag yet). There is no lock-out by id.
func (s *Service) authenticateCold(ctx context.Context, token, id string, d digest) (Principal, error) {
	s.stats.cacheMisses.Add(1)
	r, err := s.readID(ctx, id, false)
	if err != nil {
		s.count(err)
		return Principal{}, err
	}
	if !r.found {
		s.stats.unknownIDs.Add(1)
		s.stats.invalid.Add(1)
		return Principal{}, ErrInvalidKey
	}
	verdict := s.tags.check(r.rec.Tag, token)
	if verdict == tagMismatch {
		s.stats.tagRejects.Add(1)
		s.stats.invalid.Add(1)
		return Principal{}, ErrInvalidKey
	}
	for {
		ch, queued := s.startVerify(ctx, token, d, r, verdict == tagMatch)
		var gaveUp <-chan time.Time
		if queued {
			t := time.NewTimer(s.cfg.HashWait)
			defer t.Stop()
			gaveUp = t.C
		}
		select {
		case <-gaveUp:
			if _, hashing := s.hashing.Load(d); hashing || s.cache.get(id) != nil || len(s.slots) < cap(s.slots) {
				// The run has its slot, or has just cached the key, or a
				// slot is free for it: its answer is near. Only a request
				// that found every slot busy gives up.
				select {
				case res := <-ch:
					return s.answer(ctx, res)
				case <-ctx.Done():
					s.stats.unavailable.Add(1)
					return Principal{}, fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
				}
			}
			s.stats.hashTimeouts.Add(1)
			s.stats.unavailable.Add(1)
			const reason = "too many keys waiting to be hashed"
			if wait, ok := s.queue.wait(d, s.cfg.MaxConcurrentHashes); ok {
				return Principal{}, &UnavailableError{RetryAfter: wait, Reason: reason}
			}
			return Principal{}, fmt.Errorf("%w: %s", ErrUnavailable, reason)
		case <-ctx.Done():
			// The caller left (or its deadline passed) while waiting: not
			// a failure of the key. Anyone else waiting carries on.
			s.stats.unavailable.Add(1)
			return Principal{}, fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
		case res := <-ch:
			if res.Err != nil && res.Shared && ctx.Err() == nil && isContextErr(res.Err) {
				continue // the caller that ran it left; run it again for us
			}
			return s.answer(ctx, res)
		}
	}
}

// answer turns a verification's result into Authenticate's.
func (s *Service) answer(ctx context.Context, res singleflight.Result) (Principal, error) {
	if res.Err != nil {
		s.count(res.Err)
		return Principal{}, res.Err
	}
	var p Principal
	err := s.decide(res.Val.(*entry), s.clock.nanos(), &p)
	return p, err
}

// startVerify joins or starts the argon2id run for token. A key whose
// stored check tag matched (so its secret is right but for 1 chance in
// 2^32) is verified in a run of its own that outlives the request, queued
// for a slot for as long as it takes: a request that gives up after
// HashWait gets ErrUnavailable, but the run goes on, keeps the slots busy
// and caches the key, so that the retry finds it and no argon2id run is
// wasted (queued reports this). At most maxQueued such runs wait at once;
// beyond that, and for keys without a tag, the run belongs to the request
// and waits at most HashWait for a slot.
func (s *Service) startVerify(ctx context.Context, token string, d digest, r *read, tagged bool) (<-chan singleflight.Result, bool) {
	if !tagged || s.queued.Load() >= maxQueued(s.cfg.MaxConcurrentHashes) {
		return s.hashFlight.DoChan(token, func() (any, error) { return s.verify(ctx, token, d, r, false) }), false
	}
	return s.hashFlight.DoChan(token, func() (any, error) {
		s.queued.Add(1)
		defer s.queued.Add(-1)
		vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), queuedRunTimeout)
		defer cancel()
		return s.verify(vctx, token, d, r, true)
	}), true
}

// queuedRunTimeout bounds a run that outlives its request: its wait for a
// slot and its store calls.
const queuedRunTimeout = 30 * time.Second

// maxQueued is how many runs may wait for a slot beyond their requests.
func maxQueued(slots int) int64 { return int64(max(1024, 256*slots)) }

// readID returns what the store holds for id: the kept read if it is
// recent, otherwise a new read shared with every concurrent caller for the
// same id. refresh says the read is for a cached key's status (Stats).
func (s *Service) readID(ctx context.Context, id string, refresh bool) (*read, error) {
	if r, ok, err := s.keptRead(id); ok {
		return r, err
	}
	for {
		ch := s.readFlight.DoChan(id, func() (any, error) {
			// A flight for the id may have ended, and kept its read,
			// between the check above and this one.
			if r, ok, err := s.keptRead(id); ok {
				return r, err
			}
			if refresh {
				s.stats.refreshes.Add(1)
			}
			return s.readStore(ctx, id)
		})
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
		case res := <-ch:
			if res.Err != nil {
				if res.Shared && ctx.Err() == nil && isContextErr(res.Err) {
					continue // the caller that read it left; read again for us
				}
				return nil, res.Err
			}
			return res.Val.(*read), nil
		}
	}
}

// keptRead answers from the read kept for id, if there is a recent one
// (ok): its record, or ErrUnavailable if the store failed for id less than
// a second ago.
func (s *Service) keptRead(id string) (r *read, ok bool, err error) {
	r = s.reads.get(id, s.clock.nanos(), monoNow())
	if r == nil {
		return nil, false, nil
	}
	if r.failed {
		s.stats.throttled.Add(1)
		return nil, true, fmt.Errorf("%w: the store failed to answer for this key less than a second ago", ErrUnavailable)
	}
	s.stats.keptReads.Add(1)
	return r, true, nil
}

// readStore reads id from the store and keeps the answer.
func (s *Service) readStore(ctx context.Context, id string) (*read, error) {
	// The epoch is read before the store: if a status change lands between
	// the read and the insert, insert refuses and the status is read again.
	r := &read{epoch: s.cache.epochOf(id)}
	s.stats.storeReads.Add(1)
	rec, err := s.store.Get(ctx, id)
	r.at, r.mono = s.clock.nanos(), monoNow()
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		if ctx.Err() != nil && isContextErr(err) {
			// This caller's own deadline, not a verdict on the store.
			return nil, unavailable("reading the key", err)
		}
		r.failed = true
		s.reads.put(id, r)
		return nil, unavailable("reading the key", err)
	case rec.ID != id:
		// A store that answers for another id: treat as unknown.
	default:
		r.found, r.rec = true, rec
	}
	s.reads.put(id, r)
	return r, nil
}

// verify checks the secret with argon2id and caches the key. It runs once
// for concurrent requests with one text. A queued run (startVerify) waits
// for its slot as long as ctx lets it; any other, at most HashWait.
func (s *Service) verify(ctx context.Context, token string, d digest, r *read, queued bool) (*entry, error) {
	id := r.rec.ID
	// A flight for this text may have finished, and cached the key, between
	// the caller's cache miss and the start of this flight: argon2id must
	// not run twice for it.
	if e := s.cache.get(id); e != nil {
		if !sameDigest(&e.digest, &d) {
			return nil, ErrInvalidKey
		}
		return e, nil
	}
	if _, err := checkHash(r.rec.Hash); err != nil {
		s.cfg.Logger.Error("keyauth: stored hash is unusable", "key_id", id, "error", err)
		return nil, fmt.Errorf("key %s: %w", id, err)
	}
	wait := s.cfg.HashWait
	if queued {
		wait = 0
		s.queue.join(d)
		defer s.queue.leave(d)
	}
	err := s.acquire(ctx, wait)
	if queued {
		s.queue.leftWait()
	}
	if err != nil {
		return nil, err
	}
	// Until the run ends, a request that gives up waiting sees it has a
	// slot (hashing), or that the key is cached, and waits for the answer.
	s.hashing.Store(d, struct{}{})
	defer s.hashing.Delete(d)
	start := monoNow()
	m := s.mem.get()
	ok, err := verifyHash(m, token, r.rec.Hash)
	s.mem.put(m, s.clock.nanos())
	s.release()
	s.queue.ran(time.Duration(monoNow() - start))
	s.stats.hashRuns.Add(1)
	if err != nil {
		s.cfg.Logger.Error("keyauth: stored hash is unusable", "key_id", id, "error", err)
		return nil, fmt.Errorf("key %s: %w", id, err)
	}
	if !ok {
		s.stats.hashFailures.Add(1)
		return nil, ErrInvalidKey
	}
	if !s.tags.current(r.rec.Tag) {
		s.writeTag(ctx, r, token)
	}
	now := s.clock.nanos()
	e, err := newEntry(r.rec, d, r.at) // its status is as old as the read
	if err != nil {
		s.cfg.Logger.Error("keyauth: stored key is inconsistent", "key_id", id, "error", err)
		return nil, fmt.Errorf("key %s: %w: %w", id, ErrCorruptHash, err)
	}
	epoch := r.epoch
	for attempt := 0; ; attempt++ {
		cached, ok, ev := s.cache.insert(e, epoch, now)
		if ok {
			s.noteEviction(ev, now)
			return cached, nil
		}
		// A status change reached the cache since the read: read again.
		epoch = s.cache.epochOf(id)
		s.stats.storeReads.Add(1)
		rec, err := s.store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil, ErrInvalidKey
		}
		if err != nil {
			return nil, unavailable("reading the key", err)
		}
		e.merge(rec.RevokedAt, rec.ExpiresAt, rec.RotatedAt)
		e.readAt.Store(s.clock.nanos())
		if attempt == 3 {
			// Statuses keep changing under us; answer with the status
			// just read, without caching (so its use goes to pending).
			e.markEvicted()
			return e, nil
		}
	}
}

// writeTag stores the tag of a key verified without one (a row written
// before tags existed, or under another Config.TagKey). A failure fails
// nothing: the key is verified, and its next verification tries again.
func (s *Service) writeTag(ctx context.Context, r *read, token string) {
	id := r.rec.ID
	tag := s.tags.tag(token)
	if err := s.store.SetTag(ctx, id, tag); err != nil {
		s.stats.tagWriteFailures.Add(1)
		s.cfg.Logger.Warn("keyauth: writing a key's check tag failed; its next verification tries again", "key_id", id, "error", err)
		return
	}
	s.stats.tagsWritten.Add(1)
	// Wrong secrets for the id are refused by the tag from now on, on this
	// instance at once, on others from their next read.
	tagged := *r
	tagged.rec.Tag = tag
	s.reads.put(id, &tagged)
}
