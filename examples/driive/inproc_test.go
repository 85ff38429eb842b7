package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// inproc is the server's whole HTTP handler on a fresh SQLite database,
// called without a network, for fuzzing and table tests that send many
// requests. Its clock can be moved.
type inproc struct {
	h   http.Handler
	svc *apikey.Service
	db  *database
	now *testClock
}

// testClock is a settable clock, safe for concurrent use.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) Now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }

// newInproc opens dsn (a -db value) and builds the handler on it. log
// receives every log line of the server; nil discards them.
func newInproc(tb testing.TB, dsn string, log io.Writer) *inproc {
	tb.Helper()
	ctx := context.Background()
	src, err := parseDSN(dsn)
	if err != nil {
		tb.Fatalf("parseDSN: %v", err)
	}
	d, err := openDatabase(ctx, src)
	if err != nil {
		tb.Fatalf("openDatabase: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	if log == nil {
		log = io.Discard
	}
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := &testClock{}
	clock.Set(time.Now())
	svc, err := apikey.NewService(apikey.Config{Store: d.keys, Hash: cheapHash, Logger: logger, Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	h, err := buildHandler(ctx, d, svc, serverConfig{AdminPassword: "correct horse", Log: logger})
	if err != nil {
		tb.Fatalf("buildHandler: %v", err)
	}
	return &inproc{h: h, svc: svc, db: d, now: clock}
}

// key creates a key of org and returns its text.
func (p *inproc) key(tb testing.TB, org string, perm apikey.Permission, expires time.Time) string {
	tb.Helper()
	_, s, err := p.svc.Create(context.Background(), apikey.CreateParams{
		OrgID: org, Name: "test " + perm.String(), Permission: perm, ExpiresAt: expires,
	})
	if err != nil {
		tb.Fatalf("creating a key: %v", err)
	}
	return s.Reveal()
}

// serve runs one request through the handler. headers are added as given
// (several values of one name make several header lines).
func (p *inproc) serve(method, target, body string, headers ...[2]string) response {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		if h[0] == "Content-Type" {
			req.Header.Del(h[0]) // the case's own, or none if empty
			if h[1] == "" {
				continue
			}
		}
		req.Header.Add(h[0], h[1])
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

// bearer is the Authorization header of key.
func bearer(key string) [2]string { return [2]string{"Authorization", "Bearer " + key} }

// rowCounts counts the example's rows and the keys of org, to show that a
// refused request wrote nothing.
func (p *inproc) rowCounts(tb testing.TB, org string) [4]int {
	tb.Helper()
	ctx := context.Background()
	var n [4]int
	for i, table := range []string{"driive_contacts", "driive_appointments", "driive_team_members"} {
		if err := p.db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n[i]); err != nil {
			tb.Fatalf("counting %s: %v", table, err)
		}
	}
	page, err := p.svc.List(ctx, org, apikey.ListOptions{Limit: 100})
	if err != nil {
		tb.Fatalf("listing keys: %v", err)
	}
	n[3] = len(page.Keys)
	return n
}
