package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFreeSlots(t *testing.T) {
	utc := time.UTC
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sp := func(a, b string) span { return span{at(a), at(b)} }
	monday := []weeklyInterval{{"mon", "09:00", "17:00"}}
	// 2030-01-07 is a Monday.
	tests := map[string]struct {
		hours    []weeklyInterval
		loc      *time.Location
		busy     []span
		from, to string
		min      time.Duration
		want     []span
	}{
		"no appointments": {monday, utc, nil, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", 30 * time.Minute,
			[]span{sp("2030-01-07T09:00:00Z", "2030-01-07T17:00:00Z")}},
		"an appointment splits the interval": {monday, utc, []span{sp("2030-01-07T12:00:00Z", "2030-01-07T13:00:00Z")},
			"2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", 30 * time.Minute,
			[]span{sp("2030-01-07T09:00:00Z", "2030-01-07T12:00:00Z"), sp("2030-01-07T13:00:00Z", "2030-01-07T17:00:00Z")}},
		"adjacent appointments leave no gap between them": {monday, utc,
			[]span{sp("2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z"), sp("2030-01-07T11:00:00Z", "2030-01-07T12:00:00Z")},
			"2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", time.Minute,
			[]span{sp("2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z"), sp("2030-01-07T12:00:00Z", "2030-01-07T17:00:00Z")}},
		"overlapping appointments": {monday, utc,
			[]span{sp("2030-01-07T10:30:00Z", "2030-01-07T12:00:00Z"), sp("2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z")},
			"2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", time.Minute,
			[]span{sp("2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z"), sp("2030-01-07T12:00:00Z", "2030-01-07T17:00:00Z")}},
		"a gap shorter than the duration": {monday, utc,
			[]span{sp("2030-01-07T09:20:00Z", "2030-01-07T16:45:00Z")},
			"2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", 30 * time.Minute, nil},
		"duration longer than any gap": {monday, utc, nil, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", 9 * time.Hour, nil},
		"slot of exactly the duration": {monday, utc, nil, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", 8 * time.Hour,
			[]span{sp("2030-01-07T09:00:00Z", "2030-01-07T17:00:00Z")}},
		"appointment across the whole day": {monday, utc, []span{sp("2030-01-06T00:00:00Z", "2030-01-09T00:00:00Z")},
			"2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", time.Minute, nil},
		"range cuts the interval": {monday, utc, nil, "2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z", 30 * time.Minute,
			[]span{sp("2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z")}},
		"other days only": {[]weeklyInterval{{"tue", "09:00", "10:00"}}, utc, nil, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", time.Minute, nil},
		"across midnight is one slot": {[]weeklyInterval{{"mon", "20:00", "24:00"}, {"tue", "00:00", "02:00"}}, utc, nil,
			"2030-01-07T00:00:00Z", "2030-01-09T00:00:00Z", time.Minute,
			[]span{sp("2030-01-07T20:00:00Z", "2030-01-08T02:00:00Z")}},
		// In Paris, 09:00 is 08:00Z in winter and 07:00Z in summer; the
		// clocks went forward on Sunday 2030-03-31.
		"daylight saving starts": {[]weeklyInterval{{"fri", "09:00", "17:00"}, {"mon", "09:00", "17:00"}}, paris, nil,
			"2030-03-29T00:00:00Z", "2030-04-02T00:00:00Z", 30 * time.Minute,
			[]span{sp("2030-03-29T08:00:00Z", "2030-03-29T16:00:00Z"), sp("2030-04-01T07:00:00Z", "2030-04-01T15:00:00Z")}},
		"working through the DST night": {[]weeklyInterval{{"sun", "00:00", "06:00"}}, paris, nil,
			"2030-03-30T00:00:00Z", "2030-04-01T00:00:00Z", time.Minute,
			// 00:00 CET to 06:00 CEST is five hours of real time.
			[]span{sp("2030-03-30T23:00:00Z", "2030-03-31T04:00:00Z")}},
		"local day before from reaches into the range": {[]weeklyInterval{{"sun", "22:00", "24:00"}}, paris, nil,
			"2030-01-06T22:00:00Z", "2030-01-07T00:00:00Z", time.Minute,
			[]span{sp("2030-01-06T22:00:00Z", "2030-01-06T23:00:00Z")}},
		"no working hours": {nil, utc, nil, "2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z", time.Minute, nil},
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			got := freeSlots(tc.hours, tc.loc, tc.busy, at(tc.from), at(tc.to), tc.min)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(span{}), cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Fatalf("free slots (-want +got):\n%s", diff)
			}
		})
	}
}
