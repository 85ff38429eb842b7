package main

import (
	"context"
	"math"
	"net/http"
	"sort"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// sample is what one vegeta attack saw.
type sample struct {
	Requests  int
	Codes     map[int]int    // status code -> count; 0: no response
	Errors    map[string]int // transport errors
	No503RA   int            // 503 answers without Retry-After
	P50, P99  time.Duration
	Max       time.Duration
	Elapsed   time.Duration // wall time of the attack
	successes int
	latencies []time.Duration
	events    []event // every answer in arrival order, for the charts
}

// event is one answer: when it arrived, its latency and status.
type event struct {
	Done    time.Time
	Latency time.Duration
	Code    int
}

// points are s's answers with times since origin.
func (s *sample) points(origin time.Time) []point {
	out := make([]point, len(s.events))
	for i, e := range s.events {
		out[i] = point{Done: e.Done.Sub(origin), Latency: e.Latency, Code: e.Code}
	}
	return out
}

// newSample is an empty sample.
func newSample() *sample { return &sample{Codes: map[int]int{}, Errors: map[string]int{}} }

// RPS is successful (2xx) requests per second of wall time.
func (s *sample) RPS() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.successes) / s.Elapsed.Seconds()
}

// Rate is answers (any status) per second of wall time.
func (s *sample) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Requests) / s.Elapsed.Seconds()
}

// load runs one vegeta attack: workers keep-alive clients, at most rate
// requests per second (rate 0: as fast as the workers go), for dur (0:
// until the targeter runs out).
func load(ctx context.Context, name string, tr vegeta.Targeter, workers, rate int, dur time.Duration) *sample {
	atk := vegeta.NewAttacker(
		vegeta.Workers(uint64(workers)), vegeta.MaxWorkers(uint64(workers)), // #nosec G115 -- workers is a small positive count
		vegeta.Connections(workers), vegeta.MaxConnections(workers),
		vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second), vegeta.MaxBody(0),
		vegeta.Redirects(vegeta.NoFollow),
	)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	s := newSample()
	start := time.Now()
	for res := range atk.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, dur, name) {
		if res.Code == 0 && res.Error == vegeta.ErrNoTargets.Error() {
			continue
		}
		s.add(res)
	}
	s.Elapsed = time.Since(start)
	s.percentiles()
	return s
}

// percentiles sets P50, P99 and Max from every latency seen (nearest
// rank).
func (s *sample) percentiles() {
	l := s.latencies
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	s.P50, s.P99, s.Max = quantile(l, 0.50), quantile(l, 0.99), quantile(l, 1)
}

// quantile of sorted durations, nearest rank; 0 for none.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (s *sample) add(res *vegeta.Result) {
	s.record(res.Timestamp.Add(res.Latency), res.Latency, int(res.Code), res.Error, res.Headers.Get("Retry-After") != "")
}

// record adds one answer (code 0: none, errText says why).
func (s *sample) record(done time.Time, lat time.Duration, code int, errText string, hasRetryAfter bool) {
	s.Requests++
	s.latencies = append(s.latencies, lat)
	s.events = append(s.events, event{Done: done, Latency: lat, Code: code})
	s.Codes[code]++
	if code == 0 {
		s.Errors[errText]++
	}
	if code >= 200 && code < 300 {
		s.successes++
	}
	if code == http.StatusServiceUnavailable && !hasRetryAfter {
		s.No503RA++
	}
}

// merge adds o's requests to s.
func (s *sample) merge(o *sample) {
	s.latencies = append(s.latencies, o.latencies...)
	s.events = append(s.events, o.events...)
	s.percentiles()
	s.Requests += o.Requests
	s.successes += o.successes
	s.No503RA += o.No503RA
	s.Elapsed += o.Elapsed
	for k, v := range o.Codes {
		s.Codes[k] += v
	}
	for k, v := range o.Errors {
		s.Errors[k] += v
	}
}

// codeList is "200×1234, 401×5" in code order.
func codeList(codes map[int]int) string {
	keys := make([]int, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ", "
		}
		label := itoa(k)
		if k == 0 {
			label = "no response"
		}
		out += label + "×" + itoa(codes[k])
	}
	if out == "" {
		return "none"
	}
	return out
}

// only reports whether every code in codes is one of allowed.
func only(codes map[int]int, allowed ...int) bool {
	for k, v := range codes {
		if v == 0 {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return false
		}
	}
	return true
}

func bearer(key string) http.Header {
	return http.Header{"Authorization": {"Bearer " + key}}
}
