package apikey

import (
	"context"
	"errors"
	"fmt"
)

// Authenticate checks a presented key. It returns the key's Principal, or
// an error matching exactly one of ErrInvalidKey, ErrKeyExpired,
// ErrKeyRevoked and ErrUnavailable (ErrCorruptHash, too, when the stored
// hash is unusable, and ErrSchemaOutdated when the store's schema is
// missing or outdated). Expired and revoked are reported only to a caller
// that proved the secret.
//
// A key verified once is remembered: later requests cost one SHA-256 and a
// map lookup, with no store I/O while the change feed is fresh. A key that
// is not remembered costs one store read, shared by every request for its
// id within a second; a wrong secret is then refused by the key's check
// tag (tag.go), and only a text that passes the tag reaches argon2id.
//
// Once [Service.Close] has been called, Authenticate returns [ErrClosed]
// (which matches ErrUnavailable).
//
// [Service.AuthenticatePath] does the same and also says which path
// answered.
func (s *Service) Authenticate(ctx context.Context, token string) (p Principal, err error) {
	_, err = s.authenticate(ctx, token, &p)
	return p, err
}

// AuthenticatePath is [Service.Authenticate], and also reports the path
// that answered: [PathCached] for a key whose id is in the cache of
// verified keys, [PathCold] for a well-formed key that is not, [PathNone]
// for a text refused without either (not shaped like a key of this
// Service's prefix, or a Service that is closed). It is for metrics that
// tell the cached path's answers, which cost a SHA-256 and a lookup, from
// the cold path's, which cost a store read and perhaps an argon2id run.
// It costs what Authenticate costs, and allocates nothing more.
func (s *Service) AuthenticatePath(ctx context.Context, token string) (p Principal, path Path, err error) {
	path, err = s.authenticate(ctx, token, &p)
	return p, path, err
}

// authenticate is Authenticate: on success it fills in *p, which it
// leaves as is otherwise, and it returns the path that answered.
func (s *Service) authenticate(ctx context.Context, token string, p *Principal) (Path, error) {
	if s.closing.Load() {
		s.stats.unavailable.Add(1)
		return PathNone, ErrClosed
	}
	id, ok := idOf(token, s.cfg.Prefix)
	if !ok {
		s.stats.invalid.Add(1)
		return PathNone, ErrInvalidKey
	}
	digest := digestOf(token)
	if e, sh := s.cache.lookup(id); e != nil {
		if !sameDigest(&e.digest, &digest) {
			// Same id, other text: not this key. No argon2id needed.
			s.stats.invalid.Add(1)
			return PathCached, ErrInvalidKey
		}
		// The text is byte for byte one that argon2id accepted, after
		// parseWithPrefix had checked its alphabet and checksum: checking
		// them again would only cost time on the hot path.
		now := s.clock.nanos()
		if !s.fresh(now) {
			if err := s.refresh(ctx, e, now); err != nil {
				return PathCached, err
			}
		}
		sh.hits.Add(1)
		e.touch()
		return PathCached, s.decide(e, now, p) // p stays as is on failure
	}
	if _, err := parseWithPrefix(token, s.cfg.Prefix); err != nil {
		s.stats.invalid.Add(1)
		return PathNone, ErrInvalidKey
	}
	pr, err := s.cold(ctx, token, id, digest)
	if err == nil {
		*p = pr
	}
	return PathCold, err
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

// decide answers for a key whose secret is proven: its status now, and on
// success the use is recorded for the last-used time and p is filled in.
// p is written in place, not returned: a Principal is 15 words, and each
// copy of one is a measurable part of the cached path.
func (s *Service) decide(e *entry, now int64, p *Principal) error {
	if e.revoked() {
		s.stats.revoked.Add(1)
		return ErrKeyRevoked
	}
	if now >= e.expiresAt.Load() {
		s.stats.expired.Add(1)
		return ErrKeyExpired
	}
	e.used(now)
	if e.isEvicted() {
		s.cache.usedAfterEviction(e.id(), now)
	}
	// Read after the use is recorded: if Close had not begun, its flush
	// (which starts after it sets closing) sees the use; if it had, the
	// use may be missed, so it is not reported as a success. See Close.
	if s.closing.Load() {
		s.stats.unavailable.Add(1)
		return ErrClosed
	}
	e.principal(p)
	return nil
}

// fresh reports whether the change feed was read recently enough to trust
// cached statuses (Config.MaxStaleness).
func (s *Service) fresh(now int64) bool {
	last := s.lastSync.Load()
	return last != 0 && now-last <= int64(s.cfg.MaxStaleness)
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

// count adds a refusal to the Stats counter of its outcome.
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
