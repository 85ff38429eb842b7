package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

// restartResult: a server just started gets N distinct valid keys, all
// arriving within a second. Its work is N argon2id runs and nothing else;
// the physical limit is N × one run / slots.
type restartResult struct {
	N        int
	Spread   time.Duration // the first attempts arrive over this long
	Slots    int           // the server's argon2id slots: its hash_slots, else GOMAXPROCS here
	Argon    time.Duration // one argon2id run, default parameters, median
	Total    time.Duration // first request sent to last 200 received
	Answers  *sample       // every attempt's answer
	Served   int           // keys that got their 200
	Attempts []int         // per key
	Start    time.Time
	Server   serviceStats
	Load     loadRange
}

// Goal: the time to serve all over the physical limit.
const restartRatioGoal = 1.2

// Limit is N × one argon2id run / slots.
func (r *restartResult) Limit() time.Duration {
	if r.Slots == 0 {
		return 0
	}
	return time.Duration(int64(r.N) * int64(r.Argon) / int64(r.Slots))
}

// Ratio is Total over Limit.
func (r *restartResult) Ratio() float64 { return ratio(float64(r.Total), float64(r.Limit())) }

// Unavailable is how many answers were 503.
func (r *restartResult) Unavailable() int { return r.Answers.Codes[http.StatusServiceUnavailable] }

// ServedOK: every key got its 200 in the end.
func (r *restartResult) ServedOK() bool { return r.Served == r.N }

// HashOK: exactly N argon2id runs.
func (r *restartResult) HashOK() bool { return r.N >= 0 && r.Server.HashRuns == uint64(r.N) } // #nosec G115 -- checked non-negative

// RatioOK: within restartRatioGoal of the physical limit.
func (r *restartResult) RatioOK() bool {
	return r.ServedOK() && r.Ratio() > 0 && r.Ratio() <= restartRatioGoal
}

// MaxAttempts is the most attempts one key needed.
func (r *restartResult) MaxAttempts() int {
	m := 0
	for _, a := range r.Attempts {
		m = max(m, a)
	}
	return m
}

// oneArgon2id measures one argon2id run with the default parameters, on
// this machine now, as the server runs it: apikey.Service.Create on a
// memstore hashes the new key in the Service's kept working memory, like
// a cold verify. The median of runs, after one that warms the memory.
func oneArgon2id(runs int) (time.Duration, error) {
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New()})
	if err != nil {
		return 0, err
	}
	d := make([]time.Duration, runs+1)
	for i := range d {
		t := time.Now()
		if _, _, err := svc.Create(context.Background(), apikey.CreateParams{OrgID: "reference", Name: "one run", Permission: apikey.Read}); err != nil {
			return 0, err
		}
		d[i] = time.Since(t)
	}
	d = d[1:]
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return quantile(d, 0.5), nil
}

// retryAfter reads a Retry-After header in seconds; ok is false when it
// is missing or not a non-negative integer.
func retryAfter(h string) (time.Duration, bool) {
	n, err := strconv.Atoi(h)
	if err != nil || n < 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

func runRestart(ctx context.Context, env *environment) (*restartResult, error) {
	opt := env.opt
	db := env.sqlite("restart")
	fmt.Fprintf(progressOut, "restart: seeding %d keys (default argon2id parameters)\n", opt.restartKeys)
	keys, err := env.seedKeys(ctx, db, "restart", opt.restartKeys)
	if err != nil {
		return nil, err
	}
	argon, err := oneArgon2id(7)
	if err != nil {
		return nil, err
	}
	r := &restartResult{N: len(keys), Spread: time.Second, Slots: runtime.GOMAXPROCS(0), Argon: argon,
		Attempts: make([]int, len(keys))}
	r.Server, err = env.session(ctx, env.bin, "restart", db, nil, func(srv *server) error {
		// The storm has its own deadline: past it, what was served is
		// reported (and misses the goal), and the server still stops
		// cleanly and logs its counters.
		sctx, cancel := context.WithTimeout(ctx, opt.restartTimeout)
		defer cancel()
		r.Load.Before = loadAvg()
		r.storm(sctx, srv.base+"/v1/organizations/restart/appointments", keys, opt.restartAttempts)
		r.Load.After = loadAvg()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if st := r.Server; st.Has["hash_slots"] && st.HashSlots > 0 && st.HashSlots < 1<<20 {
		r.Slots = int(st.HashSlots) // the server's own count
	}
	return r, nil
}

// storm sends each key's first request at its own moment within
// r.Spread, and retries a 503 (or no answer) after its Retry-After (1 s
// without one), up to attempts per key; any other answer ends the key's
// tries. It fills r's Answers, Attempts, Served and Total.
func (r *restartResult) storm(ctx context.Context, url string, keys []string, attempts int) {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: len(keys), MaxIdleConnsPerHost: len(keys),
	}}
	defer client.CloseIdleConnections()
	r.Answers = newSample()
	var mu sync.Mutex
	var last time.Time
	var wg sync.WaitGroup
	r.Start = time.Now()
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sleepCtx(ctx, time.Until(r.Start.Add(time.Duration(int64(i)*int64(r.Spread)/int64(len(keys))))))
			for attempt := 1; attempt <= attempts && ctx.Err() == nil; attempt++ {
				code, lat, ra, errText := do(ctx, client, url, k)
				now := time.Now()
				wait, hasRA := retryAfter(ra)
				mu.Lock()
				r.Answers.record(now, lat, code, errText, hasRA)
				r.Attempts[i] = attempt
				if code == http.StatusOK {
					r.Served++
					if now.After(last) {
						last = now
					}
				}
				mu.Unlock()
				switch {
				case code == http.StatusOK:
					return
				case code == http.StatusServiceUnavailable || code == 0:
					if !hasRA {
						wait = time.Second
					}
					sleepCtx(ctx, wait)
				default:
					return // a valid key refused: counted, not retried
				}
			}
		}()
	}
	wg.Wait()
	r.Answers.Elapsed = time.Since(r.Start)
	r.Answers.percentiles()
	if !last.IsZero() {
		r.Total = last.Sub(r.Start)
	}
}

func (r *restartResult) print(w io.Writer) {
	fmt.Fprintf(w, "restart: fresh server, %d distinct valid keys, first attempts spread over %v; a 503 is retried after its Retry-After\n", r.N, r.Spread)
	fmt.Fprintf(w, "  one argon2id run (m=19 MiB, t=2, p=1, measured here, median of 7): %s; slots: %d; physical limit N x run / slots: %s\n",
		ms(r.Argon), r.Slots, ms(r.Limit()))
	served := "time to serve all"
	if !r.ServedOK() {
		served = "NOT all served; the last 200 came after"
	}
	fmt.Fprintf(w, "  served %d of %d keys; %s: %s; attempts per key: max %d\n",
		r.Served, r.N, served, ms(r.Total), r.MaxAttempts())
	fmt.Fprintf(w, "  answers: %s; 503 without Retry-After: %d\n", codeList(r.Answers.Codes), r.Answers.No503RA)
	fmt.Fprintf(w, "  server: %d argon2id runs, %d hash-slot timeouts, %d cache misses; %v\n",
		r.Server.HashRuns, r.Server.HashTimeouts, r.Server.CacheMisses, r.Load)
	if c := r.Server.coldPath(); c != "" {
		fmt.Fprintf(w, "  server: %s\n", c)
	}
	fmt.Fprintf(w, "  goal every key served: %s\n", passFail(r.ServedOK()))
	fmt.Fprintf(w, "  goal argon2id runs = %d: %s (%d)\n", r.N, passFail(r.HashOK()), r.Server.HashRuns)
	fmt.Fprintf(w, "  goal time / (N x one argon2id / slots) <= %.1f: %s (%.2f)\n", restartRatioGoal, passFail(r.RatioOK()), r.Ratio())
}

// chart draws answers per second and their p99.
func (r *restartResult) chart() chart {
	const width = 1.0
	span := r.Answers.Elapsed + time.Second
	bs := bucketize(r.Answers.points(r.Start), secondsDur(width), span)
	limit := ratio(float64(r.Slots), r.Argon.Seconds())
	return chart{
		Title: fmt.Sprintf("restart: %d distinct keys on a fresh server", r.N),
		XMax:  span.Seconds(),
		Panels: []panel{
			{YLabel: "answers/s (log)", Log: true, Series: []series{
				rateSeries("200", colorOK, bs, 200, width),
				rateSeries("503 (retried)", colorBad, bs, 503, width),
			}, Refs: []ref{{Label: "slots / one argon2id", Y: limit, Color: colorGoal}}},
			{YLabel: "p99, ms (log)", Log: true, Series: []series{
				p99Series("p99 of the answers", colorThird, bs, width),
			}},
		},
		Markers: []marker{{Label: "all served", X: r.Total.Seconds()}},
	}
}
