package apikey

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/sync/singleflight"

	"github.com/driive/keyauth/internal/keyformat"
)

// Service creates, lists, rotates, revokes and authenticates keys. Create
// it with [NewService]; it is safe for concurrent use. Run its background
// work with [Service.Run] and end it with [Service.Close].
type Service struct {
	cfg   Config
	store Store
	clock *clock // the request path's clock; see clock.go
	cache *cache
	slots chan struct{} // argon2id runs in progress
	// flight collapses concurrent cache misses for the same key text into
	// one store read and one argon2id run.
	flight   singleflight.Group
	failures failures
	stats    counters

	lastSync atomic.Int64 // unix ns of the last successful Sync; 0: never
	syncMu   sync.Mutex
	cursor   string // guarded by syncMu

	flushMu sync.Mutex // one flush at a time

	running   atomic.Bool // Run is going
	closeOnce sync.Once
	closed    chan struct{}
}

// NewService validates cfg and returns a Service. It does no I/O and starts
// no goroutine.
func NewService(cfg Config) (*Service, error) {
	userClock := cfg.Now
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Service{
		cfg:      cfg,
		clock:    newClock(userClock),
		store:    cfg.Store,
		cache:    newCache(cfg.CacheSize),
		slots:    make(chan struct{}, cfg.MaxConcurrentHashes),
		failures: failures{limit: cfg.FailureLimit, window: cfg.FailureCoolDown, m: map[string]*failState{}},
		closed:   make(chan struct{}),
	}, nil
}

// Prefix returns the prefix of this Service's keys.
func (s *Service) Prefix() string { return s.cfg.Prefix }

// now is the clock as stored: UTC, microsecond precision (what every
// supported database keeps exactly).
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

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
	if err := validateOrg(p.OrgID); err != nil {
		return Key{}, Secret{}, err
	}
	if err := validateName(p.Name); err != nil {
		return Key{}, Secret{}, err
	}
	if !p.Permission.Valid() {
		return Key{}, Secret{}, fmt.Errorf("%w: permission must be read or write", ErrInvalidArgument)
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
		hash, err := hashKey(token, s.cfg.Hash)
		s.release()
		if err != nil {
			return Key{}, Secret{}, fmt.Errorf("apikey: hashing a new key: %w", err)
		}
		k.ID, k.Prefix = id, displayPrefix(s.cfg.Prefix, id)
		err = save(Record{Key: k, Hash: hash})
		if errors.Is(err, ErrAlreadyExists) && attempt < 3 {
			continue
		}
		if err != nil {
			return Key{}, Secret{}, s.storeErr("storing the key", err)
		}
		return k, newSecret(token), nil
	}
}

func (s *Service) futureExpiry(t, now time.Time) (time.Time, error) {
	if t.IsZero() {
		return time.Time{}, nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("%w: expiry must be in the future", ErrInvalidArgument)
	}
	return t, nil
}

// Get returns a key of the organization by id or display prefix.
// ErrNotFound if there is none, or it belongs to another organization.
func (s *Service) Get(ctx context.Context, orgID, idOrPrefix string) (Key, error) {
	if err := validateOrg(orgID); err != nil {
		return Key{}, err
	}
	id, err := idFromRef(s.cfg.Prefix, idOrPrefix)
	if err != nil {
		return Key{}, err
	}
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return Key{}, s.storeErr("reading the key", err)
	}
	if r.OrgID != orgID {
		return Key{}, ErrNotFound
	}
	return r.Key, nil
}

// ListOptions selects a page of keys.
type ListOptions struct {
	Limit  int    // 1-1000; 0 means 50
	Cursor string // from Page.NextCursor; "" for the first page
}

// Page is one page of keys, oldest first.
type Page struct {
	Keys       []Key
	NextCursor string // "" on the last page
}

// List returns one page of an organization's keys, ordered by creation.
func (s *Service) List(ctx context.Context, orgID string, opt ListOptions) (Page, error) {
	if err := validateOrg(orgID); err != nil {
		return Page{}, err
	}
	if opt.Limit == 0 {
		opt.Limit = 50
	}
	if opt.Limit < 1 || opt.Limit > 1000 {
		return Page{}, fmt.Errorf("%w: limit must be 1-1000", ErrInvalidArgument)
	}
	after, err := decodeCursor(opt.Cursor)
	if err != nil {
		return Page{}, err
	}
	keys, err := s.store.List(ctx, ListQuery{OrgID: orgID, After: after, Limit: opt.Limit + 1})
	if err != nil {
		return Page{}, s.storeErr("listing keys", err)
	}
	var page Page
	if len(keys) > opt.Limit {
		keys = keys[:opt.Limit]
		last := keys[len(keys)-1]
		page.NextCursor = encodeCursor(Position{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	page.Keys = keys
	return page, nil
}

// A cursor is base64url of "<created unix µs>.<id>.<checksum>". The
// checksum (the key format's CRC-32) catches a cursor that was edited or
// cut; it is no secret, and needs none: a forged cursor only moves the page
// start within the caller's own organization.
func encodeCursor(p Position) string {
	body := strconv.FormatInt(p.CreatedAt.UnixMicro(), 10) + "." + p.ID
	sum := keyformat.Checksum(body)
	return base64.RawURLEncoding.EncodeToString([]byte(body + "." + string(sum[:])))
}

func decodeCursor(c string) (Position, error) {
	if c == "" {
		return Position{}, nil
	}
	bad := fmt.Errorf("%w: malformed cursor", ErrInvalidArgument)
	if len(c) > 80 {
		return Position{}, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil {
		return Position{}, bad
	}
	i := strings.LastIndexByte(string(b), '.')
	if i < 0 {
		return Position{}, bad
	}
	body, sum := string(b[:i]), string(b[i+1:])
	us, id, ok := strings.Cut(body, ".")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || n < 0 || !validID(id) || !keyformat.ValidChecksum(body, sum) {
		return Position{}, bad
	}
	p := Position{CreatedAt: time.UnixMicro(n).UTC(), ID: id}
	if encodeCursor(p) != c {
		return Position{}, bad // "+5", "007": only the spelling we issue
	}
	return p, nil
}

// Revoke ends a key at once. It is idempotent: revoking a revoked key
// returns it unchanged. A key of another organization is ErrNotFound. Once
// Revoke returns, no request on this Service succeeds with the key; other
// Services sharing the store learn of it through their change feed.
func (s *Service) Revoke(ctx context.Context, orgID, idOrPrefix string) (Key, error) {
	if err := validateOrg(orgID); err != nil {
		return Key{}, err
	}
	id, err := idFromRef(s.cfg.Prefix, idOrPrefix)
	if err != nil {
		return Key{}, err
	}
	ctx, _ = withCleanActor(ctx)
	k, err := s.store.Revoke(ctx, orgID, id, s.now())
	if err != nil {
		return Key{}, s.storeErr("revoking the key", err)
	}
	s.cache.apply(Change{ID: k.ID, RevokedAt: k.RevokedAt, ExpiresAt: k.ExpiresAt, RotatedAt: k.RotatedAt})
	return k, nil
}

// RotateParams describes a rotation.
type RotateParams struct {
	OrgID string
	ID    string // the key to replace: its id or display prefix
	// Grace is how long the old key keeps working; 0 ends it at once. The
	// old key's expiry becomes min(its expiry, now + Grace).
	Grace time.Duration
	// ExpiresAt is the new key's expiry. Zero: the old key's lifetime
	// (ExpiresAt - CreatedAt) counted from now, or none if it had none.
	ExpiresAt time.Time
}

// Rotate replaces a key with a new one of the same organization, name and
// permission, and shortens the old key's life to the grace period. Rotating
// a revoked or expired key fails with ErrKeyRevoked or ErrKeyExpired, and
// rotating a key a second time with ErrAlreadyRotated: that would cut
// short the grace its clients were promised.
func (s *Service) Rotate(ctx context.Context, p RotateParams) (Key, Secret, error) {
	now := s.now()
	if err := validateOrg(p.OrgID); err != nil {
		return Key{}, Secret{}, err
	}
	id, err := idFromRef(s.cfg.Prefix, p.ID)
	if err != nil {
		return Key{}, Secret{}, err
	}
	if p.Grace < 0 {
		return Key{}, Secret{}, fmt.Errorf("%w: grace must not be negative", ErrInvalidArgument)
	}
	expires, err := s.futureExpiry(p.ExpiresAt, now)
	if err != nil {
		return Key{}, Secret{}, err
	}
	old, err := s.Get(ctx, p.OrgID, id)
	if err != nil {
		return Key{}, Secret{}, err
	}
	switch {
	case old.Revoked():
		return Key{}, Secret{}, ErrKeyRevoked
	case old.Expired(now):
		return Key{}, Secret{}, ErrKeyExpired
	case old.Rotated():
		return Key{}, Secret{}, fmt.Errorf("%w on %s: rotate its replacement instead", ErrAlreadyRotated, old.RotatedAt.Format(time.RFC3339))
	}
	ctx, by := withCleanActor(ctx)
	if expires.IsZero() && !old.ExpiresAt.IsZero() {
		expires = now.Add(old.ExpiresAt.Sub(old.CreatedAt))
	}
	var updated Key
	k, secret, err := s.mintAndStore(ctx, Key{
		OrgID: old.OrgID, Name: old.Name, Permission: old.Permission, CreatedAt: now, ExpiresAt: expires, CreatedBy: by,
	}, func(r Record) error {
		var err error
		updated, err = s.store.Rotate(ctx, Rotation{
			OrgID: p.OrgID, OldID: id, Now: now, GraceUntil: now.Add(p.Grace), New: r,
		})
		return err
	})
	if err != nil {
		return Key{}, Secret{}, err
	}
	s.cache.apply(Change{ID: updated.ID, RevokedAt: updated.RevokedAt, ExpiresAt: updated.ExpiresAt, RotatedAt: updated.RotatedAt})
	return k, secret, nil
}

// storeErr keeps the sentinels a caller acts on and reports any other
// store failure as ErrUnavailable.
func (s *Service) storeErr(doing string, err error) error {
	for _, sentinel := range []error{ErrNotFound, ErrAlreadyExists, ErrKeyRevoked, ErrKeyExpired, ErrAlreadyRotated, ErrInvalidArgument, ErrSchemaOutdated} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, doing, err)
}

func validateOrg(org string) error {
	if len(org) < 1 || len(org) > 64 {
		return fmt.Errorf("%w: organization id must be 1-64 characters of [A-Za-z0-9_-]", ErrInvalidArgument)
	}
	for i := 0; i < len(org); i++ {
		c := org[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%w: organization id must be 1-64 characters of [A-Za-z0-9_-]", ErrInvalidArgument)
		}
	}
	return nil
}

// ValidateOrgID reports whether id is a valid organization id: 1-64
// characters of [A-Za-z0-9_-].
func ValidateOrgID(id string) error { return validateOrg(id) }

func validateName(name string) error {
	n := utf8.RuneCountInString(name)
	if n < 1 || n > 100 || !utf8.ValidString(name) {
		return fmt.Errorf("%w: name must be 1-100 printable characters", ErrInvalidArgument)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: name must be 1-100 printable characters", ErrInvalidArgument)
		}
	}
	return nil
}
