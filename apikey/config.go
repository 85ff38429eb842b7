package apikey

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"
)

// Config configures a Service. Only Store is required; every other field's
// zero value means the default written beside it.
type Config struct {
	// Store keeps the keys. Required.
	Store Store

	// Prefix starts every key: [a-z][a-z0-9]{0,7}. Default "dk".
	Prefix string

	// Hash holds the argon2id parameters for new keys. Default m=19 MiB,
	// t=2, p=1.
	Hash HashParams

	// Now is the clock. Default time.Now (on the request path, read
	// through the monotonic clock from a wall-clock reading renewed every
	// second: see clock.go).
	Now func() time.Time

	// CacheSize caps the number of verified keys remembered in memory, at
	// about 160-170 bytes each (see BENCHMARKS.md). Default 100,000. When it is
	// full, a key not used lately is forgotten and its next request runs
	// argon2id again: keep it above the number of keys in use, or every
	// request of the keys beyond it costs an argon2id run. Stats counts the
	// evictions, and the Logger warns (at most once a minute) when keys
	// used within the last minute are being evicted.
	CacheSize int

	// TagKey, if set (at least 32 random bytes, kept out of the database),
	// makes each key's check tag an HMAC under it instead of a plain
	// SHA-256, so a stolen table tells nothing about the keys without the
	// argon2id work (see tag.go). Every instance sharing the store must
	// use the same TagKey. Adding, changing or removing it never refuses
	// a right secret: a key whose stored tag was made otherwise is checked
	// with argon2id and retagged on its next successful verification.
	// Default: none.
	TagKey []byte

	// MaxConcurrentHashes caps the argon2id runs at a time (each takes
	// Hash.Memory of RAM). Default GOMAXPROCS.
	MaxConcurrentHashes int

	// HashWait is how long a request waits for an argon2id slot before
	// failing with ErrUnavailable. Default 2s.
	HashWait time.Duration

	// SyncInterval is how often Run polls the store's change feed.
	// Default 500ms, so a change made by another process is honoured
	// within about a second.
	SyncInterval time.Duration

	// MaxStaleness is how long cached keys are honoured after the last
	// successful poll of the change feed (while the store is unreachable,
	// say). Past it, a cached key's status is re-read from the store, at
	// most once per key per second however many requests arrive, and a
	// request fails with ErrUnavailable if the store does not answer: the
	// Service fails closed. Default 10s.
	MaxStaleness time.Duration

	// FlushInterval is how often Run writes last-used times. Default 5s.
	FlushInterval time.Duration

	// ColdPath, if set, is called on each authentication of a key that is
	// not cached, before the store is read, and the cold path runs inside
	// it: see [ColdPathHook]. Default: none.
	ColdPath ColdPathHook

	// Logger receives operational events: corrupt hashes and failed tag
	// writes (with the key id), change-feed and last-used write failures,
	// evictions of keys in use. It never receives a key. Default: discard.
	Logger *slog.Logger
}

// DefaultCacheSize is the CacheSize when Config.CacheSize is 0.
const DefaultCacheSize = 100_000

func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("apikey: Config.Store is nil")
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if err := ValidatePrefix(c.Prefix); err != nil {
		return c, err
	}
	c.Hash = c.Hash.withDefaults()
	if err := c.Hash.validate(); err != nil {
		return c, fmt.Errorf("apikey: Config.Hash: %v", err)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"HashWait", &c.HashWait, 2 * time.Second},
		{"SyncInterval", &c.SyncInterval, 500 * time.Millisecond},
		{"MaxStaleness", &c.MaxStaleness, 10 * time.Second},
		{"FlushInterval", &c.FlushInterval, 5 * time.Second},
	} {
		if *d.v < 0 {
			return c, fmt.Errorf("apikey: Config.%s is negative", d.name)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.CacheSize < 0 || c.MaxConcurrentHashes < 0 {
		return c, errors.New("apikey: Config.CacheSize and MaxConcurrentHashes must not be negative")
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.TagKey != nil && len(c.TagKey) < minTagKeyLen {
		return c, fmt.Errorf("apikey: Config.TagKey must be at least %d bytes", minTagKeyLen)
	}
	if c.MaxConcurrentHashes == 0 {
		c.MaxConcurrentHashes = runtime.GOMAXPROCS(0)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}
