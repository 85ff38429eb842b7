package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	defaultSlot = 30 * time.Minute
	maxRange    = 31 * 24 * time.Hour
)

// availabilityQuery is a checked availability request.
type availabilityQuery struct {
	member   string // "": every member
	from, to time.Time
	duration time.Duration
}

// slotJSON is a free slot as the API shows it.
type slotJSON struct {
	TeamMemberID string `json:"team_member_id"`
	StartsAt     string `json:"starts_at"`
	EndsAt       string `json:"ends_at"`
}

var availabilityParams = []string{"team_member_id", "from", "to", "duration"}

// parseAvailability checks the parameters of an availability request;
// an error names the parameter.
func parseAvailability(params map[string]string) (availabilityQuery, error) {
	bad := func(name, msg string) error { return &requestError{msg: name + " " + msg} }
	for name := range params {
		if !slices.Contains(availabilityParams, name) {
			return availabilityQuery{}, bad(quoteShort(name), "is not a parameter (team_member_id, from, to, duration)")
		}
	}
	q := availabilityQuery{member: params["team_member_id"], duration: defaultSlot}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.from}, {"to", &q.to}} {
		v, ok := params[p.name]
		if !ok || v == "" {
			return q, bad(p.name, "is required: an RFC 3339 time, like 2026-05-01T00:00:00Z")
		}
		t, msg := parseInstant(v)
		if msg != "" {
			return q, bad(p.name, msg)
		}
		*p.dst = t
	}
	if !q.to.After(q.from) {
		return q, bad("to", "must be after from")
	}
	if q.to.Sub(q.from) > maxRange {
		return q, bad("to", "must be at most 31 days after from")
	}
	if v, ok := params["duration"]; ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxRange {
			return q, bad("duration", "must be a positive duration of at most 31 days, like 30m or 1h30m")
		}
		q.duration = d
	}
	return q, nil
}

// availability returns the free slots of the query's member, or of every
// member of org, ordered by start.
func availability(ctx context.Context, d *database, org string, q availabilityQuery) ([]slotJSON, error) {
	var members []teamMember
	if q.member != "" {
		m, err := teamMembers.get(ctx, d, org, q.member)
		if errors.Is(err, errNoRow) {
			return nil, &requestError{msg: "team_member_id names no team member of this organization"}
		}
		if err != nil {
			return nil, err
		}
		members = []teamMember{m}
	} else {
		var err error
		if members, err = allTeamMembers(ctx, d, org); err != nil {
			return nil, err
		}
	}
	busy, err := busyTimes(ctx, d, org, q.from, q.to)
	if err != nil {
		return nil, err
	}
	out := []slotJSON{}
	for _, m := range members {
		loc, err := time.LoadLocation(m.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("driive: team member %s has time zone %q: %w", m.ID, m.TimeZone, err)
		}
		for _, s := range freeSlots(m.WorkingHours, loc, busy[m.ID], q.from, q.to, q.duration) {
			out = append(out, slotJSON{TeamMemberID: m.ID, StartsAt: apiTime(s.start), EndsAt: apiTime(s.end)})
		}
	}
	// Times of one layout in UTC sort as text.
	slices.SortStableFunc(out, func(a, b slotJSON) int {
		if c := strings.Compare(a.StartsAt, b.StartsAt); c != 0 {
			return c
		}
		return strings.Compare(a.TeamMemberID, b.TeamMemberID)
	})
	return out, nil
}

// allTeamMembers reads every member of org, page by page.
func allTeamMembers(ctx context.Context, d *database, org string) ([]teamMember, error) {
	var all []teamMember
	var after int64
	for {
		page, err := teamMembers.table.list(ctx, d, org, after, maxLimit)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < maxLimit {
			return all, nil
		}
		after = page[len(page)-1].seq
	}
}

// busyTimes returns the appointments of org's members that overlap
// [from, to), by member.
func busyTimes(ctx context.Context, d *database, org string, from, to time.Time) (map[string][]span, error) {
	rows, err := d.db.QueryContext(ctx, d.q.appointmentsBetween, org, d.bindTime(from), d.bindTime(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	busy := map[string][]span{}
	for rows.Next() {
		var a appointment
		if err := appointments.table.scan(rows, &a, d); err != nil {
			return nil, err
		}
		if a.TeamMemberID != nil {
			busy[*a.TeamMemberID] = append(busy[*a.TeamMemberID], span{a.StartsAt, a.EndsAt})
		}
	}
	return busy, rows.Err()
}

func (s *server) getAvailability(w http.ResponseWriter, r *http.Request) {
	params := map[string]string{}
	for name, vs := range r.URL.Query() {
		if len(vs) > 1 {
			writeProblem(w, http.StatusBadRequest, codeInvalidRequest, quoteShort(name)+" is given more than once")
			return
		}
		params[name] = vs[0]
	}
	q, err := parseAvailability(params)
	if err == nil {
		var slots []slotJSON
		if slots, err = availability(r.Context(), s.db, orgOf(r), q); err == nil {
			writeJSON(w, http.StatusOK, map[string]any{"data": slots})
			return
		}
	}
	s.answerError(w, r, "computing availability", err)
}
