package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// teamMember is a row of driive_team_members: someone appointments can be
// with, and whose working hours availability is computed from.
type teamMember struct {
	record
	Name         string
	Email        *string
	Role         *string
	TimeZone     string // IANA name
	WorkingHours []weeklyInterval
}

// weeklyInterval is a working interval of one weekday, in the member's
// time zone: "mon".."sun", "HH:MM" to "HH:MM" (end after start; "24:00"
// is the end of the day).
type weeklyInterval struct {
	Day   string `json:"day"`
	Start string `json:"start"`
	End   string `json:"end"`
}

type teamMemberJSON struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	Email        *string          `json:"email"`
	Role         *string          `json:"role"`
	TimeZone     string           `json:"time_zone"`
	WorkingHours []weeklyInterval `json:"working_hours"`
	CreatedAt    string           `json:"created_at"`
	UpdatedAt    string           `json:"updated_at"`
}

var teamMembers = &resource[teamMember]{
	path: "team-members", one: "team_member", idPrefix: "tm_",
	fields: append([]field{
		{name: "name", required: true, doc: "1-200 characters"},
		{name: "email", doc: "an email address"},
		{name: "role", doc: "up to 100 characters, like instructor"},
		{name: "time_zone", doc: "IANA time zone of the working hours, default UTC"},
		{name: "working_hours", kind: kindList, items: []string{"day", "start", "end"},
			doc: `weekly intervals {"day":"mon".."sun","start":"HH:MM","end":"HH:MM"}, not overlapping within a day`},
	}, readOnlyFields...),
	apply: func(r *rules, b body, m *teamMember, creating bool) {
		r.text(b, "name", 200, creating, &m.Name)
		r.optText(b, "email", 254, checkEmail, &m.Email)
		r.optText(b, "role", 100, nil, &m.Role)
		var tz *string
		if creating || b["time_zone"].present {
			r.optText(b, "time_zone", 64, checkTimeZone, &tz)
			m.TimeZone = "UTC"
			if tz != nil {
				m.TimeZone = *tz
			}
		}
		if w := b["working_hours"]; w.present {
			m.WorkingHours = nil
			if msg := checkWorkingHours(w.list, &m.WorkingHours); msg != "" {
				r.fail("working_hours", msg)
			}
		}
		if m.WorkingHours == nil {
			m.WorkingHours = []weeklyInterval{}
		}
	},
	view: func(m teamMember) any {
		return teamMemberJSON{ID: m.ID, Name: m.Name, Email: m.Email, Role: m.Role, TimeZone: m.TimeZone,
			WorkingHours: m.WorkingHours, CreatedAt: apiTime(m.CreatedAt), UpdatedAt: apiTime(m.UpdatedAt)}
	},
	table: table[teamMember]{
		sql:  func(q *queries) *tableSQL { return &q.teamMembers },
		base: func(m *teamMember) *record { return &m.record },
		scan: func(row scanner, m *teamMember, _ *database) error {
			var email, role sql.NullString
			var hours string
			if err := scanRow(row, &m.record, &m.Name, &email, &role, &m.TimeZone, &hours); err != nil {
				return err
			}
			m.Email, m.Role = stringPtr(email), stringPtr(role)
			if err := json.Unmarshal([]byte(hours), &m.WorkingHours); err != nil {
				return fmt.Errorf("driive: stored working hours of %s: %w", m.ID, err)
			}
			return nil
		},
		values: func(m *teamMember, _ *database) []any {
			hours, _ := json.Marshal(m.WorkingHours) // plain strings: cannot fail
			return []any{m.Name, nullString(m.Email), nullString(m.Role), m.TimeZone, string(hours)}
		},
		// A deleted member leaves their appointments, without them.
		deleted: func(ctx context.Context, tx *sql.Tx, d *database, org, id string, now time.Time) error {
			_, err := tx.ExecContext(ctx, d.q.appointmentUnlinkTeamMember, d.bindTime(now), org, id)
			return err
		},
	},
}

// checkTimeZone accepts IANA names only: not "Local", whose meaning is
// the server's.
func checkTimeZone(s string) string {
	if s == "Local" {
		return "must be an IANA time zone name, like Europe/Paris"
	}
	if _, err := time.LoadLocation(s); err != nil {
		return "must be an IANA time zone name, like Europe/Paris"
	}
	return ""
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// checkWorkingHours reads intervals into *dst and returns what is wrong
// with them, or "".
func checkWorkingHours(items []map[string]string, dst *[]weeklyInterval) string {
	if len(items) > 100 {
		return "must hold at most 100 intervals"
	}
	out := make([]weeklyInterval, 0, len(items))
	for i, it := range items {
		w := weeklyInterval{Day: it["day"], Start: it["start"], End: it["end"]}
		start, ok1 := clockMinutes(w.Start)
		end, ok2 := clockMinutes(w.End)
		switch _, day := weekdays[w.Day]; {
		case !day:
			return fmt.Sprintf("item %d: day must be one of mon, tue, wed, thu, fri, sat, sun", i)
		case !ok1 || !ok2:
			return fmt.Sprintf("item %d: start and end must be times HH:MM from 00:00 to 24:00", i)
		case end <= start:
			return fmt.Sprintf("item %d: end must be after start", i)
		}
		for j, o := range out {
			os, _ := clockMinutes(o.Start)
			oe, _ := clockMinutes(o.End)
			if o.Day == w.Day && start < oe && os < end {
				return fmt.Sprintf("items %d and %d overlap", j, i)
			}
		}
		out = append(out, w)
	}
	*dst = out
	return ""
}

// clockMinutes reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func clockMinutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	var h, m int
	for _, c := range s[:2] + s[3:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	h = int(s[0]-'0')*10 + int(s[1]-'0')
	m = int(s[3]-'0')*10 + int(s[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}
