package main

import (
	"slices"
	"time"
)

// span is an interval of time [start, end).
type span struct{ start, end time.Time }

// freeSlots returns the free time of a team member within [from, to):
// the working hours (weekly, in loc, so daylight-saving changes move them
// as the wall clock does) minus busy, as maximal intervals of at least
// minLen. Working intervals that touch (Monday to 24:00, Tuesday from
// 00:00) make one slot. It is a pure function: everything it needs is an
// argument.
func freeSlots(hours []weeklyInterval, loc *time.Location, busy []span, from, to time.Time, minLen time.Duration) []span {
	var work []span
	// From the day before from to the day after to, in loc: an interval
	// of a neighbouring local day may reach into the range.
	first := from.In(loc)
	day := time.Date(first.Year(), first.Month(), first.Day()-1, 0, 0, 0, 0, loc)
	for ; day.Before(to.Add(24 * time.Hour)); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc) {
		for _, h := range hours {
			if weekdays[h.Day] != day.Weekday() {
				continue
			}
			s, _ := clockMinutes(h.Start)
			e, _ := clockMinutes(h.End)
			start := time.Date(day.Year(), day.Month(), day.Day(), s/60, s%60, 0, 0, loc)
			end := time.Date(day.Year(), day.Month(), day.Day(), e/60, e%60, 0, 0, loc)
			if start.Before(from) {
				start = from
			}
			if end.After(to) {
				end = to
			}
			if start.Before(end) {
				work = append(work, span{start, end})
			}
		}
	}
	work = merge(work)
	busy = merge(slices.Clone(busy))
	var out []span
	for _, w := range work {
		cur := w.start
		for _, b := range busy {
			if !b.end.After(cur) || !b.start.Before(w.end) {
				continue
			}
			if b.start.After(cur) {
				out = appendSlot(out, span{cur, b.start}, minLen)
			}
			if b.end.After(cur) {
				cur = b.end
			}
		}
		if cur.Before(w.end) {
			out = appendSlot(out, span{cur, w.end}, minLen)
		}
	}
	return out
}

func appendSlot(out []span, s span, minLen time.Duration) []span {
	if s.end.Sub(s.start) >= minLen {
		out = append(out, s)
	}
	return out
}

// merge sorts spans and joins those that overlap or touch.
func merge(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && !s.start.After(out[n-1].end) {
			if s.end.After(out[n-1].end) {
				out[n-1].end = s.end
			}
			continue
		}
		out = append(out, s)
	}
	return out
}
