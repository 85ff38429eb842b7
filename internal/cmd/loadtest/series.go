package main

import (
	"sort"
	"time"
)

// point is one answer, for the charts: when it arrived (since the start
// of its scenario), how long it took and its status (0: no answer).
type point struct {
	Done    time.Duration
	Latency time.Duration
	Code    int
}

// bucket is one slice of time of a scenario.
type bucket struct {
	Start time.Duration
	N     int         // answers that arrived in the slice
	Codes map[int]int // their statuses
	P99   time.Duration
}

// notOK selects, for bucket.rate, every answer but 200.
const notOK = -1

// rate is the answers with status code per second of the slice; code 0:
// every answer; notOK: every answer but 200.
func (b bucket) rate(code int, width time.Duration) float64 {
	n := b.N
	switch code {
	case 0:
	case notOK:
		n -= b.Codes[200]
	default:
		n = b.Codes[code]
	}
	return float64(n) / width.Seconds()
}

// bucketize slices [0, span) into buckets of width and puts each point in
// the one it arrived in; points outside are dropped. P99 is over the
// slice's answers (nearest rank), 0 for an empty slice.
func bucketize(points []point, width, span time.Duration) []bucket {
	if width <= 0 || span <= 0 {
		return nil
	}
	n := int((span + width - 1) / width)
	out := make([]bucket, n)
	lats := make([][]time.Duration, n)
	for i := range out {
		out[i] = bucket{Start: time.Duration(i) * width, Codes: map[int]int{}}
	}
	for _, p := range points {
		if p.Done < 0 || p.Done >= span {
			continue
		}
		i := int(p.Done / width)
		out[i].N++
		out[i].Codes[p.Code]++
		lats[i] = append(lats[i], p.Latency)
	}
	for i, l := range lats {
		sort.Slice(l, func(a, b int) bool { return l[a] < l[b] })
		out[i].P99 = quantile(l, 0.99)
	}
	return out
}

// counts slices [0, span) into buckets of width and counts the instants
// in each (store reads, say); instants outside are dropped.
func counts(at []time.Duration, width, span time.Duration) []int {
	if width <= 0 || span <= 0 {
		return nil
	}
	out := make([]int, int((span+width-1)/width))
	for _, t := range at {
		if t >= 0 && t < span {
			out[int(t/width)]++
		}
	}
	return out
}
