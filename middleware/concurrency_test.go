package middleware_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestRevokeUnderLoad: requests run from several goroutines while the key
// is revoked; no request that starts after Revoke returned is let through,
// and every answer is 200 or 401 api_key_revoked.
func TestRevokeUnderLoad(t *testing.T) {
	e := newEnv(t, nil, nil)
	const path = "/v1/organizations/acme/whoami"
	checkAnswer(t, serve(e.mux, request("GET", path, "Bearer "+e.write)), 200, "") // cached
	var revoked atomic.Bool
	var after atomic.Int64 // requests started after Revoke returned
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				late := revoked.Load()
				rec := serve(e.mux, request("GET", path, "Bearer "+e.write))
				switch {
				case rec.Code == 200 && late:
					t.Errorf("a request that started after Revoke returned got 200")
					return
				case rec.Code != 200 && rec.Code != 401:
					t.Errorf("status %d: %s", rec.Code, rec.Body)
					return
				}
				if late {
					if after.Add(1) > 50 {
						return
					}
				}
			}
		}()
	}
	for range 20 {
		serve(e.mux, request("GET", path, "Bearer "+e.read))
	}
	if _, err := e.svc.Revoke(context.Background(), "acme", e.writeKey.ID); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	for after.Load() < 50 && !t.Failed() {
		checkAnswer(t, serve(e.mux, request("GET", path, "Bearer "+e.write)), 401, "api_key_revoked")
	}
	close(stop)
	wg.Wait()
}
