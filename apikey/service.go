package apikey

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Service creates, lists, rotates, revokes and authenticates keys. Create
// it with [NewService]; it is safe for concurrent use. Run its background
// work with [Service.Run] and end it with [Service.Close].
type Service struct {
	cfg   Config
	store Store
	clock *clock // the request path's clock; see clock.go
	tags  *tagger
	cache *cache        // verified keys (cache.go)
	reads *readCache    // what the store said about ids lately (reads.go)
	slots chan struct{} // argon2id runs in progress (slots.go)
	mem   *hashMemory   // their working memory (hashmem.go)
	// readFlight collapses concurrent store reads of one id; hashFlight
	// concurrent argon2id runs for one key text.
	readFlight, hashFlight singleflight.Group
	hashing                sync.Map     // digests whose argon2id run has a slot
	queued                 atomic.Int64 // runs that outlive their requests (cold.go)
	queue                  runQueue     // where those runs stand, for Retry-After (queue.go)
	stats                  counters

	lastSync atomic.Int64 // unix ns of the last successful Sync; 0: never
	syncMu   sync.Mutex
	cursor   string // guarded by syncMu

	flushMu   sync.Mutex   // one flush at a time
	warnedAt  atomic.Int64 // unix ns of the last eviction warning
	running   atomic.Bool  // Run is going
	closing   atomic.Bool  // Close has been called
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
		cfg:    cfg,
		clock:  newClock(userClock),
		store:  cfg.Store,
		tags:   newTagger(cfg.TagKey),
		cache:  newCache(cfg.CacheSize),
		reads:  newReadCache(min(keepRead, int64(cfg.MaxStaleness))),
		slots:  make(chan struct{}, cfg.MaxConcurrentHashes),
		mem:    newHashMemory(cfg.MaxConcurrentHashes, cfg.Hash.Memory),
		closed: make(chan struct{}),
	}, nil
}

// Prefix returns the prefix of this Service's keys.
func (s *Service) Prefix() string { return s.cfg.Prefix }

// now is the clock as stored: UTC, microsecond precision (what every
// supported database keeps exactly).
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

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

// applyChange records a change of a key's status, from this Service or
// the change feed: the cached entry takes it, and the read kept for the
// id is dropped, so the next request for the id reads it again.
func (s *Service) applyChange(ch Change) {
	s.reads.forget(ch.ID)
	s.cache.apply(ch)
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
