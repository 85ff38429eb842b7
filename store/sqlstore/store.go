package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Config configures a Store. DB and Dialect are required; every other
// field's zero value means the default written beside it.
type Config struct {
	// DB is the database, opened by the caller with a driver for Dialect.
	// The Store never closes it.
	DB *sql.DB

	// Dialect is the SQL the database speaks.
	Dialect Dialect

	// Retention is how long changes stay in the change feed. A Service
	// whose cursor is older (one that was stopped for longer, say) gets
	// apikey.ErrCursorExpired and starts over with an empty cache.
	// Default 24h; at least 2 × GapTimeout.
	Retention time.Duration

	// GapTimeout is how long a cursor keeps looking for a change whose
	// sequence number was skipped: one a transaction had written but not
	// committed when a later one was read. A change committed more than
	// GapTimeout after it was written may be missed; the Store's own
	// transactions last milliseconds. Default 5 minutes.
	GapTimeout time.Duration

	// Now is the clock for change-feed bookkeeping (when a change was
	// written, when a gap was seen). Default time.Now.
	Now func() time.Time

	// Logger receives failures of background pruning of the change feed,
	// which never fail a call. Default: discard.
	Logger *slog.Logger
}

// Store is an apikey.Store over database/sql. It is safe for concurrent
// use; create it with [New] or [NewWithConfig].
type Store struct {
	db     *sql.DB
	d      Dialect
	q      *queries
	cfg    Config
	pruneM sync.Mutex
	pruned time.Time // last prune attempt; guarded by pruneM

	schemaOK atomic.Bool // the newest migration's probe succeeded (see ready)
}

var _ apikey.Store = (*Store)(nil)

// New returns a Store over db speaking dialect d, with the default Config.
// It does no I/O: call [Store.Migrate] before first use.
func New(db *sql.DB, d Dialect) (*Store, error) {
	return NewWithConfig(Config{DB: db, Dialect: d})
}

// NewWithConfig validates cfg and returns a Store. It does no I/O and
// starts no goroutine.
func NewWithConfig(cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("sqlstore: Config.DB is nil")
	}
	if !cfg.Dialect.valid() {
		return nil, fmt.Errorf("sqlstore: unknown dialect %v", cfg.Dialect)
	}
	if cfg.Retention < 0 || cfg.GapTimeout < 0 {
		return nil, errors.New("sqlstore: Config.Retention and GapTimeout must not be negative")
	}
	if cfg.Retention == 0 {
		cfg.Retention = 24 * time.Hour
	}
	if cfg.GapTimeout == 0 {
		cfg.GapTimeout = 5 * time.Minute
	}
	if cfg.Retention < 2*cfg.GapTimeout {
		return nil, fmt.Errorf("sqlstore: Config.Retention %v must be at least twice GapTimeout %v", cfg.Retention, cfg.GapTimeout)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Store{db: cfg.DB, d: cfg.Dialect, q: queriesFor(cfg.Dialect), cfg: cfg}, nil
}

// Dialect returns the dialect the Store speaks.
func (s *Store) Dialect() Dialect { return s.d }

// now is the Store's clock as stored: UTC, microseconds.
func (s *Store) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }
