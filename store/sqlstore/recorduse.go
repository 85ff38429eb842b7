package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/driive/keyauth/apikey"
)

// RecordUse implements apikey.Store: one statement per 1,000 keys. Each
// statement only moves a last-used time forward, row by row, so two
// instances flushing at once leave the later time whatever the order.
// Statements are not one transaction: each one is independently correct,
// and a failed call is retried whole by the Service.
func (s *Store) RecordUse(ctx context.Context, uses []apikey.Use) error {
	if err := s.ready(ctx); err != nil {
		return err
	}

	if len(uses) == 0 {
		return nil
	}
	// One entry per id (the latest time), sorted so that every instance
	// locks rows in the same order.
	latest := make(map[string]time.Time, len(uses))
	for _, u := range uses {
		if t, ok := latest[u.ID]; !ok || u.At.After(t) {
			latest[u.ID] = u.At
		}
	}
	ids := make([]string, 0, len(latest))
	for id := range latest {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, strings.Compare)
	for chunk := range slices.Chunk(ids, maxUsesPerStatement) {
		ats := make([]any, len(chunk))
		for i, id := range chunk {
			ats[i] = s.timeArg(latest[id])
		}
		if _, err := s.db.ExecContext(ctx, s.q.recordUse(len(chunk)), s.q.recordUseArgs(chunk, ats)...); err != nil {
			return wrap(fmt.Sprintf("recording last use of %d keys", len(chunk)), err)
		}
	}
	return nil
}
