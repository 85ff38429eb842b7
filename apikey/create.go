package apikey

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// CreateParams describes a new key.
type CreateParams struct {
	OrgID      string     // 1-64 of [A-Za-z0-9_-]
	Name       string     // 1-100 printable characters
	Permission Permission // Read or Write
	ExpiresAt  time.Time  // zero: never; otherwise in the future
}

// Create mints a key and stores its hash. The returned Secret is the only
// copy of the key's text.
func (s *Service) Create(ctx context.Context, p CreateParams) (Key, Secret, error) {
	now := s.now()
	if err := validateNewOrg(p.OrgID); err != nil {
		return Key{}, Secret{}, err
	}
	if err := validateName(p.Name); err != nil {
		return Key{}, Secret{}, err
	}
	if !p.Permission.Valid() {
		return Key{}, Secret{}, argErr("permission", "permission must be read or write")
	}
	expires, err := s.futureExpiry(p.ExpiresAt, now)
	if err != nil {
		return Key{}, Secret{}, err
	}
	ctx, by := withCleanActor(ctx)
	return s.mintAndStore(ctx, Key{
		OrgID: p.OrgID, Name: p.Name, Permission: p.Permission, CreatedAt: now, ExpiresAt: expires, CreatedBy: by,
	}, func(r Record) error { return s.store.Create(ctx, r) })
}

// mintAndStore mints a key for k, hashes it and stores it with save,
// drawing a new id on the (astronomically rare) id collision.
func (s *Service) mintAndStore(ctx context.Context, k Key, save func(Record) error) (Key, Secret, error) {
	for attempt := 0; ; attempt++ {
		token, id := mint(s.cfg.Prefix)
		if err := s.acquire(ctx, 0); err != nil {
			return Key{}, Secret{}, err
		}
		m := s.mem.get()
		hash, err := hashKey(m, token, s.cfg.Hash)
		s.mem.put(m, s.clock.nanos())
		s.release()
		if err != nil {
			return Key{}, Secret{}, fmt.Errorf("apikey: hashing a new key: %w", err)
		}
		k.ID, k.Prefix = id, displayPrefix(s.cfg.Prefix, id)
		err = save(Record{Key: k, Hash: hash, Tag: s.tags.tag(token)})
		if errors.Is(err, ErrAlreadyExists) && attempt < 3 {
			continue
		}
		if err != nil {
			return Key{}, Secret{}, s.storeErr("storing the key", err)
		}
		// A request for the id may have been answered "unknown" a moment
		// ago (ids are random, so only by chance): forget that.
		s.reads.forget(id)
		return k, newSecret(token), nil
	}
}

func (s *Service) futureExpiry(t, now time.Time) (time.Time, error) {
	if t.IsZero() {
		return time.Time{}, nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	if !t.After(now) {
		return time.Time{}, argErr("expires_at", "expiry must be in the future")
	}
	return t, nil
}
