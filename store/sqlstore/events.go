package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/driive/keyauth/apikey"
)

// logEvent writes an event of the audit trail, with the context's actor,
// in the transaction of the change it records.
func (s *Store) logEvent(ctx context.Context, tx *sql.Tx, doing string, e apikey.Event) error {
	a, _ := apikey.ActorFromContext(ctx)
	_, err := tx.ExecContext(ctx, s.q.insertEvent, e.OrgID, e.KeyID, string(e.Action), s.timeArg(e.At),
		a.ID, a.Name, a.Addr, e.NewKeyID)
	if err != nil {
		return wrap(doing+": recording the event", err)
	}
	return nil
}

// Events implements apikey.Store. Both forms walk the (org_id, id) index
// backwards from the position.
func (s *Store) Events(ctx context.Context, q apikey.EventQuery) ([]apikey.Event, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if q.Limit < 1 {
		return nil, fmt.Errorf("sqlstore: limit %d: %w", q.Limit, apikey.ErrInvalidArgument)
	}
	var rows *sql.Rows
	var err error
	if q.Before == "" {
		rows, err = s.db.QueryContext(ctx, s.q.eventsFirst, q.OrgID, q.Limit)
	} else {
		before, perr := strconv.ParseInt(q.Before, 10, 64)
		if perr != nil || before < 1 || strconv.FormatInt(before, 10) != q.Before {
			return nil, fmt.Errorf("sqlstore: event id %q: %w", q.Before, apikey.ErrInvalidArgument)
		}
		rows, err = s.db.QueryContext(ctx, s.q.eventsBefore, q.OrgID, before, q.Limit)
	}
	if err != nil {
		return nil, wrap("listing events", err)
	}
	defer rows.Close()
	var out []apikey.Event
	for rows.Next() {
		var e apikey.Event
		var id int64
		var action string
		if err := rows.Scan(&id, &e.OrgID, &e.KeyID, &action, timeCol{&e.At},
			&e.Actor.ID, &e.Actor.Name, &e.Actor.Addr, &e.NewKeyID); err != nil {
			return nil, wrap("listing events", err)
		}
		e.ID, e.Action = strconv.FormatInt(id, 10), apikey.EventAction(action)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("listing events", err)
	}
	return out, nil
}

// nullable is s as a statement argument, NULL when empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
