package apikey

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"
)

// Authenticate checks a presented key. It returns the key's Principal, or
// an error matching exactly one of ErrInvalidKey, ErrKeyExpired,
// ErrKeyRevoked and ErrUnavailable (ErrCorruptHash, too, when the stored
// hash is unusable, and ErrSchemaOutdated when the store's schema is
// missing or outdated). Expired and revoked are reported only to a caller
// that proved the secret.
//
// A key verified once is remembered: later requests cost one SHA-256 and a
// map lookup, with no store I/O while the change feed is fresh.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	id, ok := idOf(token, s.cfg.Prefix)
	if !ok {
		s.stats.invalid.Add(1)
		return Principal{}, ErrInvalidKey
	}
	digest := digestOf(token)
	if e := s.cache.get(id); e != nil {
		if !sameDigest(&e.digest, &digest) {
			// Same id, other text: not this key. No argon2id needed.
			s.stats.invalid.Add(1)
			return Principal{}, ErrInvalidKey
		}
		// The text is byte for byte one that argon2id accepted, after
		// parseWithPrefix had checked its alphabet and checksum: checking
		// them again would only cost time on the hot path.
		now := s.clock.nanos()
		if !s.fresh(now) {
			if err := s.refresh(ctx, e); err != nil {
				return Principal{}, err
			}
		}
		s.stats.cacheHits.Add(1)
		return s.decide(e, now)
	}
	if _, err := parseWithPrefix(token, s.cfg.Prefix); err != nil {
		s.stats.invalid.Add(1)
		return Principal{}, ErrInvalidKey
	}
	return s.authenticateCold(ctx, token, id, digest)
}

// idOf returns the id of a text shaped like a key (length, prefix,
// separators), without checking its alphabet or checksum: enough to look
// the id up in the cache. It does not allocate.
func idOf(token, prefix string) (string, bool) {
	p := len(prefix)
	if len(token) != p+1+IDLen+1+SecretLen+ChecksumLen || token[p] != '_' || token[p+1+IDLen] != '_' || token[:p] != prefix {
		return "", false
	}
	return token[p+1 : p+1+IDLen], true
}

// digestOf hashes the key text. Converting the string to a []byte would
// allocate on every request; sha256.Sum256 only reads its argument, so it
// gets a read-only view of the string's bytes.
func digestOf(token string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token))) // #nosec G103 -- read-only view; Sum256 neither writes nor keeps it
}

// sameDigest compares two digests in constant time, eight bytes at a time
// (subtle.ConstantTimeCompare goes byte by byte).
func sameDigest(a, b *[sha256.Size]byte) bool {
	var d uint64
	for i := 0; i < sha256.Size; i += 8 {
		d |= binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
	}
	return (d|-d)>>63 == 0 // d == 0, without a branch on the data
}

func (s *Service) decide(e *entry, now int64) (Principal, error) {
	if e.revokedAt.Load() != 0 {
		s.stats.revoked.Add(1)
		return Principal{}, ErrKeyRevoked
	}
	if now >= e.expiresAt.Load() {
		s.stats.expired.Add(1)
		return Principal{}, ErrKeyExpired
	}
	e.used(now)
	if e.evicted.Load() {
		s.cache.usedAfterEviction(e.principal.KeyID, now)
	}
	p := e.principal
	if exp := e.expiresAt.Load(); exp != math.MaxInt64 {
		p.ExpiresAt = time.Unix(0, exp).UTC()
	}
	if rot := e.rotatedAt.Load(); rot != 0 {
		p.RotatedAt = time.Unix(0, rot).UTC()
	}
	return p, nil
}

// fresh reports whether the change feed was read recently enough to trust
// cached statuses (Config.MaxStaleness).
func (s *Service) fresh(now int64) bool {
	last := s.lastSync.Load()
	return last != 0 && now-last <= int64(s.cfg.MaxStaleness)
}

// refresh re-reads a cached key's status from the store, for when the
// change feed is stale.
func (s *Service) refresh(ctx context.Context, e *entry) error {
	s.stats.refreshes.Add(1)
	r, err := s.store.Get(ctx, e.principal.KeyID)
	if errors.Is(err, ErrNotFound) {
		s.cache.forget(e.principal.KeyID)
		s.stats.invalid.Add(1)
		return ErrInvalidKey
	}
	if err != nil {
		s.stats.unavailable.Add(1)
		return unavailable("reading key status", err)
	}
	e.merge(r.RevokedAt, r.ExpiresAt, r.RotatedAt)
	return nil
}

func (s *Service) authenticateCold(ctx context.Context, token, id string, digest [sha256.Size]byte) (Principal, error) {
	s.stats.cacheMisses.Add(1)
	if s.failures.blocked(id, s.cfg.Now()) {
		s.stats.throttled.Add(1)
		s.stats.invalid.Add(1)
		return Principal{}, ErrInvalidKey
	}
	for {
		ch := s.flight.DoChan(token, func() (any, error) { return s.verify(ctx, token, id, digest) })
		select {
		case <-ctx.Done():
			// The caller left (or its deadline passed) while waiting: not
			// a failure of the key. Anyone else waiting carries on.
			return Principal{}, fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
		case r := <-ch:
			if r.Err != nil {
				if r.Shared && ctx.Err() == nil && isContextErr(r.Err) {
					continue // the caller that ran it left; run it again for us
				}
				s.count(r.Err)
				return Principal{}, r.Err
			}
			return s.decide(r.Val.(*entry), s.clock.nanos())
		}
	}
}

// unavailable reports a store failure on the authentication path. Unlike
// storeErr it passes no sentinel through: whatever the store said (a
// deadline, ErrInvalidArgument from a confused driver), Authenticate answers
// exactly one of its documented outcomes, and a store failure is never
// "invalid".
func unavailable(doing string, err error) error {
	if errors.Is(err, ErrSchemaOutdated) {
		return fmt.Errorf("%s: %w", doing, err) // the fix is the operator's, and no retry helps
	}
	for _, sentinel := range []error{ErrInvalidKey, ErrKeyExpired, ErrKeyRevoked, ErrCorruptHash, ErrNotFound, ErrAlreadyExists, ErrInvalidArgument, ErrCursorExpired} {
		if errors.Is(err, sentinel) {
			return fmt.Errorf("%w: %s: %v", ErrUnavailable, doing, err)
		}
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, doing, err)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (s *Service) count(err error) {
	switch {
	case errors.Is(err, ErrInvalidKey):
		s.stats.invalid.Add(1)
	case errors.Is(err, ErrCorruptHash):
		s.stats.corrupt.Add(1)
	case errors.Is(err, ErrUnavailable):
		s.stats.unavailable.Add(1)
	}
}

// verify reads the key from the store, checks the secret with argon2id and
// caches the result. It runs once for concurrent requests with one text.
func (s *Service) verify(ctx context.Context, token, id string, digest [sha256.Size]byte) (*entry, error) {
	// The epoch is read before the store: if a status change lands between
	// the read and the insert, insert refuses and the status is read again.
	epoch := s.cache.currentEpoch()
	// A flight for this text may have finished, and cached the key, between
	// the caller's cache miss and the start of this flight: argon2id must
	// not run twice for it.
	if e := s.cache.get(id); e != nil {
		if !sameDigest(&e.digest, &digest) {
			return nil, ErrInvalidKey
		}
		return e, nil
	}
	r, err := s.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrInvalidKey
	}
	if err != nil {
		return nil, unavailable("reading the key", err)
	}
	if r.ID != id {
		return nil, ErrInvalidKey
	}
	if _, err := checkHash(r.Hash); err != nil {
		s.cfg.Logger.Error("keyauth: stored hash is unusable", "key_id", id, "error", err)
		return nil, fmt.Errorf("key %s: %w", id, err)
	}
	if err := s.acquire(ctx, s.cfg.HashWait); err != nil {
		return nil, err
	}
	// The id may have used up its failure budget while this request
	// waited for a slot (under a flood of wrong secrets, dozens wait):
	// its argon2id run would only burn CPU and memory.
	if s.failures.blocked(id, s.cfg.Now()) {
		s.release()
		s.stats.throttled.Add(1)
		return nil, ErrInvalidKey
	}
	ok, err := verifyHash(token, r.Hash)
	s.release()
	s.stats.hashRuns.Add(1)
	if err != nil {
		s.cfg.Logger.Error("keyauth: stored hash is unusable", "key_id", id, "error", err)
		return nil, fmt.Errorf("key %s: %w", id, err)
	}
	if !ok {
		s.failures.fail(id, s.cfg.Now())
		return nil, ErrInvalidKey
	}
	s.failures.reset(id)
	e := newEntry(r, digest)
	for attempt := 0; ; attempt++ {
		if cached, ok := s.cache.insert(e, epoch); ok {
			return cached, nil
		}
		epoch = s.cache.currentEpoch()
		r, err := s.store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return nil, ErrInvalidKey
		}
		if err != nil {
			return nil, unavailable("reading the key", err)
		}
		e.merge(r.RevokedAt, r.ExpiresAt, r.RotatedAt)
		if attempt == 3 {
			// Statuses keep changing under us; answer with the status
			// just read, without caching (so its use goes to pending).
			e.evicted.Store(true)
			return e, nil
		}
	}
}

// acquire takes an argon2id slot, waiting at most wait (0: only for ctx).
func (s *Service) acquire(ctx context.Context, wait time.Duration) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-timeout:
		s.stats.hashTimeouts.Add(1)
		return fmt.Errorf("%w: too many keys waiting to be hashed", ErrUnavailable)
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrUnavailable, context.Cause(ctx))
	}
}

func (s *Service) release() { <-s.slots }
