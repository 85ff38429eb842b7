package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// coldBurstResult: a freshly started server gets N concurrent first
// requests with one valid key.
type coldBurstResult struct {
	N      int
	Codes  map[int]int
	P50    time.Duration
	Max    time.Duration
	Server serviceStats
	Load   loadRange
}

// OK reports the goal: all 200 and one argon2id run.
func (r *coldBurstResult) OK() bool {
	return r.Codes[http.StatusOK] == r.N && r.Server.HashRuns == 1
}

func runColdBurst(ctx context.Context, env *environment) (*coldBurstResult, error) {
	db := env.sqlite("coldburst")
	key, err := env.createKey(ctx, db, "demo", "cold-burst", "read")
	if err != nil {
		return nil, err
	}
	n := env.opt.burst
	codes := make([]int, n)
	lat := make([]time.Duration, n)
	var load loadRange
	st, err := env.session(ctx, env.bin, "cold-burst", db, nil, func(srv *server) error {
		url := srv.base + "/v1/organizations/demo/appointments"
		// One client with room for n keep-alive connections; each
		// goroutine sends exactly one request, all released at once.
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: n, MaxIdleConnsPerHost: n,
		}}
		defer client.CloseIdleConnections()
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i], lat[i], _, _ = do(ctx, client, url, key)
			}()
		}
		load.Before = loadAvg()
		close(start)
		wg.Wait()
		load.After = loadAvg()
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := &coldBurstResult{N: n, Codes: map[int]int{}, Server: st, Load: load}
	for _, c := range codes {
		r.Codes[c]++
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r.P50, r.Max = quantile(lat, 0.5), quantile(lat, 1)
	return r, nil
}

func (r *coldBurstResult) print(w io.Writer) {
	fmt.Fprintf(w, "cold-burst: fresh server, %d concurrent first requests with one valid key\n", r.N)
	fmt.Fprintf(w, "  statuses: %s\n", codeList(r.Codes))
	fmt.Fprintf(w, "  latency: p50 %s, max %s\n", ms(r.P50), ms(r.Max))
	fmt.Fprintf(w, "  server: %d argon2id runs, %d cache misses, %d cache hits, %d hash-slot timeouts\n",
		r.Server.HashRuns, r.Server.CacheMisses, r.Server.CacheHits, r.Server.HashTimeouts)
	verdict := "MET"
	if !r.OK() {
		verdict = "MISSED"
	}
	fmt.Fprintf(w, "  %v\n", r.Load)
	fmt.Fprintf(w, "  goal all 200 and 1 argon2id run: %s\n", verdict)
}
