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

	// CacheSize caps the number of verified keys remembered in memory.
	// Default 10,000. When full, a rarely used key is forgotten and its next
	// request runs argon2id again.
	CacheSize int

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
	// say). Past it, each request re-reads its key's status from the store
	// and fails with ErrUnavailable if the store does not answer: the
	// Service fails closed. Default 10s.
	MaxStaleness time.Duration

	// FlushInterval is how often Run writes last-used times. Default 5s.
	FlushInterval time.Duration

	// FailureLimit wrong secrets for one key id within FailureCoolDown
	// make that id answer ErrInvalidKey without running argon2id for
	// FailureCoolDown. A request with the right secret for a key already
	// verified on this instance is not affected. Default 10 and 1 minute;
	// FailureLimit < 0 turns the budget off.
	FailureLimit    int
	FailureCoolDown time.Duration

	// Logger receives operational events: corrupt hashes (with the key
	// id), change-feed and last-used write failures. It never receives a
	// key. Default: discard.
	Logger *slog.Logger
}

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
		{"FailureCoolDown", &c.FailureCoolDown, time.Minute},
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
		c.CacheSize = 10_000
	}
	if c.MaxConcurrentHashes == 0 {
		c.MaxConcurrentHashes = runtime.GOMAXPROCS(0)
	}
	if c.FailureLimit == 0 {
		c.FailureLimit = 10
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}
