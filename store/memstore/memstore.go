package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/driive/keyauth/apikey"
)

// maxChanges is how many changes the change log keeps at least; a cursor
// older than what is kept gets apikey.ErrCursorExpired.
const maxChanges = 100_000

// Store keeps records in memory. It is safe for concurrent use. Its zero
// value is an empty Store, ready to use; [New] returns one too.
type Store struct {
	mu      sync.Mutex
	records map[string]*apikey.Record
	changes []change       // ascending seq
	seq     uint64         // seq of the last change
	keep    int            // changes kept at least; 0 means maxChanges (tests set less)
	events  []apikey.Event // the audit trail, oldest first; ids are 1, 2, ...
}

type change struct {
	seq uint64
	apikey.Change
}

var _ apikey.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store { return &Store{records: make(map[string]*apikey.Record)} }

// Create implements apikey.Store.
func (s *Store) Create(ctx context.Context, r apikey.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.createLocked(r); err != nil {
		return err
	}
	s.eventLocked(ctx, apikey.Event{At: r.CreatedAt, OrgID: r.OrgID, KeyID: r.ID, Action: apikey.KeyCreated})
	return nil
}

func (s *Store) createLocked(r apikey.Record) error {
	if s.records == nil {
		s.records = make(map[string]*apikey.Record)
	}
	if _, ok := s.records[r.ID]; ok {
		return fmt.Errorf("memstore: key %s: %w", r.ID, apikey.ErrAlreadyExists)
	}
	s.records[r.ID] = &r
	return nil
}

// Get implements apikey.Store.
func (s *Store) Get(ctx context.Context, id string) (apikey.Record, error) {
	if err := ctx.Err(); err != nil {
		return apikey.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return apikey.Record{}, fmt.Errorf("memstore: key %s: %w", id, apikey.ErrNotFound)
	}
	return *r, nil
}

// List implements apikey.Store. It scans every key: fine for the sizes an
// in-memory store is meant for.
func (s *Store) List(ctx context.Context, q apikey.ListQuery) ([]apikey.Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit < 1 {
		return nil, fmt.Errorf("memstore: limit %d: %w", q.Limit, apikey.ErrInvalidArgument)
	}
	s.mu.Lock()
	var keys []apikey.Key
	for _, r := range s.records {
		if r.OrgID == q.OrgID && (q.After.IsZero() || after(r.Key, q.After)) {
			keys = append(keys, r.Key)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(keys, func(a, b apikey.Key) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	if len(keys) > q.Limit {
		keys = keys[:q.Limit]
	}
	return keys, nil
}

func after(k apikey.Key, p apikey.Position) bool {
	if c := k.CreatedAt.Compare(p.CreatedAt); c != 0 {
		return c > 0
	}
	return k.ID > p.ID
}

// Revoke implements apikey.Store.
func (s *Store) Revoke(ctx context.Context, orgID, id string, at time.Time) (apikey.Key, error) {
	if err := ctx.Err(); err != nil {
		return apikey.Key{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok || r.OrgID != orgID {
		return apikey.Key{}, fmt.Errorf("memstore: key %s: %w", id, apikey.ErrNotFound)
	}
	if r.RevokedAt.IsZero() {
		r.RevokedAt = at
		s.logLocked(r.Key)
		s.eventLocked(ctx, apikey.Event{At: at, OrgID: orgID, KeyID: id, Action: apikey.KeyRevoked})
	}
	return r.Key, nil
}

// Rotate implements apikey.Store.
func (s *Store) Rotate(ctx context.Context, rot apikey.Rotation) (apikey.Key, error) {
	if err := ctx.Err(); err != nil {
		return apikey.Key{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[rot.OldID]
	switch {
	case !ok || r.OrgID != rot.OrgID:
		return apikey.Key{}, fmt.Errorf("memstore: key %s: %w", rot.OldID, apikey.ErrNotFound)
	case r.Revoked():
		return apikey.Key{}, fmt.Errorf("memstore: key %s: %w", rot.OldID, apikey.ErrKeyRevoked)
	case r.Expired(rot.Now):
		return apikey.Key{}, fmt.Errorf("memstore: key %s: %w", rot.OldID, apikey.ErrKeyExpired)
	case r.Rotated():
		return apikey.Key{}, fmt.Errorf("memstore: key %s: %w", rot.OldID, apikey.ErrAlreadyRotated)
	}
	if err := s.createLocked(rot.New); err != nil {
		return apikey.Key{}, err
	}
	if r.ExpiresAt.IsZero() || rot.GraceUntil.Before(r.ExpiresAt) {
		r.ExpiresAt = rot.GraceUntil
	}
	r.RotatedAt = rot.Now
	s.logLocked(r.Key)
	s.eventLocked(ctx, apikey.Event{At: rot.Now, OrgID: rot.OrgID, KeyID: rot.OldID, Action: apikey.KeyRotated, NewKeyID: rot.New.ID})
	return r.Key, nil
}

// SetTag implements apikey.Store.
func (s *Store) SetTag(ctx context.Context, id, tag string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[id]
	if !ok {
		return fmt.Errorf("memstore: key %s: %w", id, apikey.ErrNotFound)
	}
	r.Tag = tag
	return nil
}

// RecordUse implements apikey.Store.
func (s *Store) RecordUse(ctx context.Context, uses []apikey.Use) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range uses {
		if r, ok := s.records[u.ID]; ok && u.At.After(r.LastUsedAt) {
			r.LastUsedAt = u.At
		}
	}
	return nil
}

func (s *Store) logLocked(k apikey.Key) {
	s.seq++
	s.changes = append(s.changes, change{s.seq, apikey.Change{ID: k.ID, RevokedAt: k.RevokedAt, ExpiresAt: k.ExpiresAt, RotatedAt: k.RotatedAt}})
	keep := s.keep
	if keep == 0 {
		keep = maxChanges
	}
	// Trimming in bulk costs O(1) per change; trimming one at a time would
	// shift the whole log on every change once it is full.
	if len(s.changes) >= 2*keep {
		s.changes = slices.Clone(s.changes[len(s.changes)-keep:])
	}
}

// Changes implements apikey.Store. The cursor is the sequence number of the
// last change returned.
func (s *Store) Changes(ctx context.Context, cursor string) ([]apikey.Change, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cursor == "" {
		return nil, strconv.FormatUint(s.seq, 10), nil
	}
	from, err := strconv.ParseUint(cursor, 10, 64)
	if err != nil || from > s.seq {
		return nil, "", fmt.Errorf("memstore: cursor %q: %w", cursor, apikey.ErrInvalidArgument)
	}
	if len(s.changes) > 0 && from+1 < s.changes[0].seq {
		return nil, "", fmt.Errorf("memstore: cursor %s: %w", cursor, apikey.ErrCursorExpired)
	}
	i, _ := slices.BinarySearchFunc(s.changes, from+1, func(c change, seq uint64) int { return cmp.Compare(c.seq, seq) })
	out := make([]apikey.Change, 0, len(s.changes)-i)
	for _, c := range s.changes[i:] {
		out = append(out, c.Change)
	}
	return out, strconv.FormatUint(s.seq, 10), nil
}

// eventLocked appends an event of the audit trail, with the context's
// actor, under the same lock as the change it records.
func (s *Store) eventLocked(ctx context.Context, e apikey.Event) {
	e.Actor, _ = apikey.ActorFromContext(ctx)
	e.ID = strconv.Itoa(len(s.events) + 1)
	s.events = append(s.events, e)
}

// Events implements apikey.Store.
func (s *Store) Events(ctx context.Context, q apikey.EventQuery) ([]apikey.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit < 1 {
		return nil, fmt.Errorf("memstore: limit %d: %w", q.Limit, apikey.ErrInvalidArgument)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	end := len(s.events) // events[i] has id i+1
	if q.Before != "" {
		n, err := strconv.Atoi(q.Before)
		if err != nil || n < 1 || n > len(s.events) || strconv.Itoa(n) != q.Before {
			return nil, fmt.Errorf("memstore: event id %q: %w", q.Before, apikey.ErrInvalidArgument)
		}
		end = n - 1
	}
	var out []apikey.Event
	for i := end - 1; i >= 0 && len(out) < q.Limit; i-- {
		if s.events[i].OrgID == q.OrgID {
			out = append(out, s.events[i])
		}
	}
	return out, nil
}
