package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/driive/keyauth/apikey"
)

// changeLimit bounds the rows one Changes call reads.
const changeLimit = 10_000

// pruneInterval is how often Changes prunes the change feed.
const pruneInterval = time.Minute

// Changes implements apikey.Store with one query per call (plus, once a
// minute, three statements that prune changes older than Config.Retention).
//
// A change's sequence number is taken when its row is written, but the row
// becomes visible only at commit; under concurrent writers (PostgreSQL,
// MySQL) a higher number can be visible before a lower one. Moving the
// cursor past the lower one would lose that change for good. So the cursor
// remembers every number it skipped and the next calls read from the
// oldest of them, returning a skipped change as soon as it is committed.
// A number still missing after Config.GapTimeout is forgotten: its
// transaction rolled back (or, beyond the guarantee, stayed open longer
// than that).
func (s *Store) Changes(ctx context.Context, text string) ([]apikey.Change, string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, "", err
	}

	now := s.cfg.Now()
	var (
		out  []apikey.Change
		next cursor
		err  error
	)
	if text == "" {
		next, err = s.head(ctx, now)
	} else {
		var c cursor
		if c, err = parseCursor(text); err != nil {
			return nil, "", err
		}
		out, next, err = s.changesAfter(ctx, c, now)
	}
	if err != nil {
		return nil, "", err
	}
	s.maybePrune(ctx, now)
	return out, next.String(), nil
}

// head returns the current position: the newest change, with the gaps
// among the most recent ones (changes written but not committed yet).
func (s *Store) head(ctx context.Context, now time.Time) (cursor, error) {
	rows, err := s.db.QueryContext(ctx, s.q.changesHead)
	if err != nil {
		return cursor{}, wrap("reading the change feed position", err)
	}
	defer rows.Close()
	var pruned int64
	seen := map[int64]bool{}
	low := int64(-1)
	var c cursor
	for rows.Next() {
		var kind, v int64
		if err := rows.Scan(&kind, &v); err != nil {
			return cursor{}, wrap("reading the change feed position", err)
		}
		if kind == 0 {
			pruned = v
			continue
		}
		seen[v] = true
		c.high = max(c.high, v)
		if low < 0 || v < low {
			low = v
		}
	}
	if err := rows.Err(); err != nil {
		return cursor{}, wrap("reading the change feed position", err)
	}
	if len(seen) < recentSeqs {
		// Every change since the last prune is in view: anything missing
		// above it may still commit.
		low = pruned
	}
	c.high = max(c.high, pruned)
	for seq := max(low, c.high-maxGaps) + 1; seq < c.high; seq++ {
		if !seen[seq] {
			c.gaps = append(c.gaps, gap{seq, now.Unix()})
		}
	}
	return c, nil
}

func (s *Store) changesAfter(ctx context.Context, c cursor, now time.Time) ([]apikey.Change, cursor, error) {
	expired := func(why string) ([]apikey.Change, cursor, error) {
		return nil, cursor{}, fmt.Errorf("sqlstore: change cursor %s: %s: %w", c, why, apikey.ErrCursorExpired)
	}
	from := c.high
	if len(c.gaps) > 0 {
		from = c.gaps[0].seq - 1
	}
	rows, err := s.db.QueryContext(ctx, s.q.changesAfter, from, changeLimit)
	if err != nil {
		return nil, cursor{}, wrap("reading the change feed", err)
	}
	defer rows.Close()
	waiting := make(map[int64]gap, len(c.gaps))
	for _, g := range c.gaps {
		waiting[g.seq] = g
	}
	var (
		out         []apikey.Change
		pruned      int64
		maxSeq, seq sql.NullInt64
		keyID       sql.NullString
		n           int
		high        = c.high
		fresh       []gap
	)
	for rows.Next() {
		var ch apikey.Change
		if err := rows.Scan(&pruned, &maxSeq, &seq, &keyID, timeCol{&ch.RevokedAt}, timeCol{&ch.ExpiresAt}, timeCol{&ch.RotatedAt}); err != nil {
			return nil, cursor{}, wrap("reading the change feed", err)
		}
		if !seq.Valid {
			continue // the feed row alone: no change after from
		}
		n++
		switch {
		case seq.Int64 > high:
			for missing := high + 1; missing < seq.Int64; missing++ {
				if len(fresh) == maxGaps {
					return expired("too many missing sequence numbers")
				}
				fresh = append(fresh, gap{missing, now.Unix()})
			}
			high = seq.Int64
		case waiting[seq.Int64] != gap{}:
			delete(waiting, seq.Int64)
		default:
			continue // returned before
		}
		ch.ID = keyID.String
		out = append(out, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, cursor{}, wrap("reading the change feed", err)
	}
	switch {
	case from < pruned:
		return expired("older than the changes kept")
	case c.high > max(maxSeq.Int64, pruned):
		return expired("ahead of the store (was the database replaced?)")
	case n == changeLimit && high == c.high:
		return expired("too many changes around a missing one")
	}
	next := cursor{high: high}
	for _, g := range c.gaps {
		if _, ok := waiting[g.seq]; ok && now.Sub(time.Unix(g.seen, 0)) <= s.cfg.GapTimeout {
			next.gaps = append(next.gaps, g)
		}
	}
	next.gaps = append(next.gaps, fresh...)
	if len(next.gaps) > maxGaps {
		return expired("too many missing sequence numbers")
	}
	return out, next, nil
}

// maybePrune deletes changes older than Config.Retention, at most once per
// pruneInterval. It keeps the newest change, so that the sequence never
// restarts below a cursor. A failure is logged, not returned: the changes
// were read, and the next interval tries again.
func (s *Store) maybePrune(ctx context.Context, now time.Time) {
	s.pruneM.Lock()
	defer s.pruneM.Unlock()
	if !s.pruned.IsZero() && now.Sub(s.pruned) < pruneInterval {
		return
	}
	s.pruned = now
	if err := s.prune(ctx, now.Add(-s.cfg.Retention)); err != nil {
		s.cfg.Logger.Warn("keyauth: pruning the change feed failed; will retry", "error", err)
	}
}

// prune first raises pruned_through, then deletes: a reader in between
// sees a cursor as expired a little early, never a deleted change as
// present.
func (s *Store) prune(ctx context.Context, cutoff time.Time) error {
	var through int64
	if err := s.db.QueryRowContext(ctx, s.q.pruneFind, s.timeArg(cutoff)).Scan(&through); err != nil {
		return wrap("pruning the change feed", err)
	}
	if through == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, s.q.pruneMark, through, through); err != nil {
		return wrap("pruning the change feed", err)
	}
	if _, err := s.db.ExecContext(ctx, s.q.pruneDelete, through); err != nil {
		return wrap("pruning the change feed", err)
	}
	return nil
}
