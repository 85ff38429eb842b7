package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/memstore"
)

// stale runs in this process: apikey.Service and the middleware over a
// store that counts every call and that the scenario can stop, served on
// 127.0.0.1. The example's stores cannot be stopped from outside without
// stopping a database others use, and the point is what the library asks
// of its store.

// errStoreStopped is what the stopped store answers, at once, as a
// database that refuses connections would.
var errStoreStopped = errors.New("loadtest: store stopped")

// countingStore is a Store that records when each call came and can be
// stopped.
type countingStore struct {
	apikey.Store
	origin  time.Time
	stopped atomic.Bool

	mu        sync.Mutex
	gets      []time.Duration // every Get, since origin
	polls     []time.Duration // every Changes
	goodPolls []time.Duration // Changes that succeeded
}

// mark appends the time since origin to list and returns it.
func (s *countingStore) mark(list *[]time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := time.Since(s.origin)
	*list = append(*list, t)
	return t
}

func (s *countingStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	s.mark(&s.gets)
	if s.stopped.Load() {
		return apikey.Record{}, errStoreStopped
	}
	return s.Store.Get(ctx, id)
}

func (s *countingStore) Changes(ctx context.Context, cursor string) ([]apikey.Change, string, error) {
	t := s.mark(&s.polls)
	if s.stopped.Load() {
		return nil, "", errStoreStopped
	}
	ch, next, err := s.Store.Changes(ctx, cursor)
	if err == nil {
		s.mu.Lock()
		s.goodPolls = append(s.goodPolls, t)
		s.mu.Unlock()
	}
	return ch, next, err
}

func (s *countingStore) RecordUse(ctx context.Context, uses []apikey.Use) error {
	if s.stopped.Load() {
		return errStoreStopped
	}
	return s.Store.RecordUse(ctx, uses)
}

// snapshot copies the recorded instants.
func (s *countingStore) snapshot() (gets, polls, good []time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.gets...), append([]time.Duration(nil), s.polls...), append([]time.Duration(nil), s.goodPolls...)
}

// staleResult: cached keys under load, then the store stops, then it
// comes back.
type staleResult struct {
	Keys         int
	Workers      int
	MaxStaleness time.Duration
	SyncInterval time.Duration
	Up, Down     time.Duration // before the stop, stopped
	After        time.Duration // after the store is back
	Answers      *sample
	Start        time.Time
	Gets, Polls  []time.Duration // store calls since Start
	GoodPolls    []time.Duration
	Stats        apikey.Stats
	Load         loadRange
}

// StopAt, StaleAt and BackAt are the phases' starts since Start.
func (r *staleResult) StopAt() time.Duration { return r.Up }

// StaleAt is when cached keys stop being honoured on the last poll's
// word, plus a second to settle.
func (r *staleResult) StaleAt() time.Duration { return r.Up + r.MaxStaleness + time.Second }

func (r *staleResult) BackAt() time.Duration { return r.Up + r.Down }

// StaleReads are the store reads (Get) per second over the stopped time
// past MaxStaleness, in whole seconds from StaleAt.
func (r *staleResult) StaleReads() []int {
	var in []time.Duration
	for _, t := range r.Gets {
		in = append(in, t-r.StaleAt())
	}
	return counts(in, time.Second, (r.BackAt() - r.StaleAt()).Truncate(time.Second))
}

// PeakReads is the largest of StaleReads.
func (r *staleResult) PeakReads() int {
	m := 0
	for _, n := range r.StaleReads() {
		m = max(m, n)
	}
	return m
}

// ReadsOK: store reads per second stayed at most the cached keys.
func (r *staleResult) ReadsOK() bool { return len(r.StaleReads()) > 0 && r.PeakReads() <= r.Keys }

// Recovery is from the first good poll after the store came back to the
// first 200 after it; FirstOK is that 200's time since Start (0: none).
func (r *staleResult) Recovery() (firstGood, firstOK time.Duration, ok bool) {
	for _, t := range r.GoodPolls {
		if t >= r.BackAt() {
			firstGood = t
			break
		}
	}
	for _, p := range r.Answers.points(r.Start) {
		if p.Code == http.StatusOK && p.Done >= r.BackAt() && (firstOK == 0 || p.Done < firstOK) {
			firstOK = p.Done
		}
	}
	return firstGood, firstOK, firstGood > 0 && firstOK > 0 && firstOK <= firstGood+r.SyncInterval
}

func runStale(ctx context.Context, env *environment) (*staleResult, error) {
	opt := env.opt
	r := &staleResult{Keys: opt.staleKeys, Workers: opt.staleWorkers, MaxStaleness: opt.staleMax,
		SyncInterval: 500 * time.Millisecond, Up: 3 * time.Second, Down: opt.staleDown, After: 4 * time.Second}
	store := &countingStore{Store: memstore.New(), origin: time.Now()}
	svc, err := apikey.NewService(apikey.Config{Store: store, MaxStaleness: r.MaxStaleness, SyncInterval: r.SyncInterval,
		// The lightest accepted parameters: keys are verified once, in
		// the warm-up; the scenario is about the store.
		Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		return nil, err
	}
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	ran := make(chan struct{})
	go func() { defer close(ran); _ = svc.Run(runCtx) }()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = svc.Close(cctx)
		cancel()
		stopRun()
		<-ran
	}()
	keys := make([]string, r.Keys)
	for i := range keys {
		_, s, err := svc.Create(ctx, apikey.CreateParams{OrgID: "stale", Name: "stale " + itoa(i), Permission: apikey.Read})
		if err != nil {
			return nil, err
		}
		keys[i] = s.Reveal()
	}
	mw, err := middleware.New(middleware.Config{Authenticator: svc, Realm: "loadtest",
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/organizations/{orgId}/ping", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	url := "http://" + ln.Addr().String() + "/v1/organizations/stale/ping"
	for _, k := range keys { // every key verified and cached
		if code, err := get(ctx, url, bearer(k)); err != nil || code != http.StatusOK {
			return nil, fmt.Errorf("warm-up: status %d, %v", code, err)
		}
	}
	var next atomic.Int64
	targets := func(t *vegeta.Target) error {
		*t = vegeta.Target{Method: "GET", URL: url, Header: bearer(keys[int(next.Add(1))%len(keys)])}
		return nil
	}
	r.Load.Before = loadAvg()
	r.Start = time.Now()
	store.mu.Lock()
	store.origin, store.gets, store.polls, store.goodPolls = r.Start, nil, nil, nil
	store.mu.Unlock()
	phases := make(chan struct{})
	go func() {
		defer close(phases)
		sleepCtx(ctx, time.Until(r.Start.Add(r.StopAt())))
		store.stopped.Store(true)
		sleepCtx(ctx, time.Until(r.Start.Add(r.BackAt())))
		store.stopped.Store(false)
	}()
	r.Answers = load(ctx, "stale", targets, r.Workers, 0, r.Up+r.Down+r.After)
	<-phases
	r.Load.After = loadAvg()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	r.Gets, r.Polls, r.GoodPolls = store.snapshot()
	r.Stats = svc.Stats()
	return r, nil
}

// phase counts the answers in [from, to) since Start.
func (r *staleResult) phase(from, to time.Duration) map[int]int {
	out := map[int]int{}
	for _, p := range r.Answers.points(r.Start) {
		if p.Done >= from && p.Done < to {
			out[p.Code]++
		}
	}
	return out
}

func (r *staleResult) print(w io.Writer) {
	fmt.Fprintf(w, "stale: %d cached keys, %d clients at full speed (in process: apikey.Service + middleware over a counting memstore, HTTP on 127.0.0.1);\n"+
		"        MaxStaleness %v, SyncInterval %v; the store answers for %v, is stopped (every call fails at once) for %v, then answers again for %v\n",
		r.Keys, r.Workers, r.MaxStaleness, r.SyncInterval, r.Up, r.Down, r.After)
	fmt.Fprintf(w, "  answers before the stop: %s\n", codeList(r.phase(0, r.StopAt())))
	fmt.Fprintf(w, "  answers while stopped, within MaxStaleness: %s\n", codeList(r.phase(r.StopAt(), r.Up+r.MaxStaleness)))
	fmt.Fprintf(w, "  answers while stopped, past MaxStaleness: %s; 503 without Retry-After (whole run): %d\n",
		codeList(r.phase(r.Up+r.MaxStaleness, r.BackAt())), r.Answers.No503RA)
	fmt.Fprintf(w, "  answers after the store is back: %s\n", codeList(r.phase(r.BackAt(), r.BackAt()+r.After+time.Second)))
	fmt.Fprintf(w, "  store reads (Get) per second while stopped, from MaxStaleness + 1 s on: %v (peak %d; cached keys %d)\n",
		r.StaleReads(), r.PeakReads(), r.Keys)
	fmt.Fprintf(w, "  change-feed polls: %d (%d succeeded); Service: %d refreshes, %d unavailable, %d cache hits\n",
		len(r.Polls), len(r.GoodPolls), r.Stats.Refreshes, r.Stats.Unavailable, r.Stats.CacheHits)
	good, okAt, recovered := r.Recovery()
	fmt.Fprintf(w, "  store back at %v: first good poll %v, first 200 %v\n", r.BackAt(), good.Round(time.Millisecond), okAt.Round(time.Millisecond))
	fmt.Fprintf(w, "  %v\n", r.Load)
	fmt.Fprintf(w, "  goal store reads/s <= cached keys (%d) past MaxStaleness: %s (peak %d/s)\n", r.Keys, passFail(r.ReadsOK()), r.PeakReads())
	fmt.Fprintf(w, "  goal cached keys honoured within one SyncInterval of the first good poll: %s\n", passFail(recovered))
}

// chart draws answers and store reads per second, and p99.
func (r *staleResult) chart() chart {
	const width = 0.5
	span := r.Up + r.Down + r.After + time.Second
	bs := bucketize(r.Answers.points(r.Start), secondsDur(width), span)
	reads := series{Name: "store reads (Get)", Color: colorThird}
	for i, n := range counts(r.Gets, secondsDur(width), span) {
		reads.X = append(reads.X, (float64(i)+0.5)*width)
		reads.Y = append(reads.Y, float64(n)/width)
	}
	return chart{
		Title: fmt.Sprintf("stale: %d cached keys under load, store stopped for %v", r.Keys, r.Down),
		XMax:  span.Seconds(),
		Panels: []panel{
			{YLabel: "per second (log)", Log: true, Series: []series{
				rateSeries("200", colorOK, bs, 200, width),
				rateSeries("503", colorBad, bs, 503, width),
				reads,
			}, Refs: []ref{{Label: "goal: reads ≤ cached keys", Y: float64(r.Keys), Color: colorGoal}}},
			{YLabel: "p99, ms (log)", Log: true, Series: []series{p99Series("p99", colorNeutral, bs, width)}},
		},
		Markers: []marker{
			{Label: "store stopped", X: r.StopAt().Seconds()},
			{Label: "MaxStaleness", X: (r.Up + r.MaxStaleness).Seconds()},
			{Label: "store back", X: r.BackAt().Seconds()},
		},
	}
}
