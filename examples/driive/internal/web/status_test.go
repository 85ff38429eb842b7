package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/examples/driive/internal/web"
	"github.com/driive/keyauth/store/memstore"
)

func TestTableShowsUseAndExpiry(t *testing.T) {
	e := newEnv(t, false)
	c := e.signedIn()
	used := e.createKey(c, "Used", "read", "")
	e.createKey(c, "Short-lived", "read", "2026-03-10") // ends at 2026-03-11T00:00Z
	if _, err := e.svc.Authenticate(context.Background(), used); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.now.Add(3 * time.Minute)
	body := e.get(c, "/developer/api-keys").body
	if !strings.Contains(body, "3 minutes ago") {
		t.Error("the last use is not shown as a time")
	}
	if strings.Contains(body, "badge-warn") {
		t.Error("a live key is marked expired")
	}
	e.now.Add(24 * time.Hour)
	c = e.signedIn() // the old session has ended
	body = e.get(c, "/developer/api-keys").body
	if !strings.Contains(body, `badge-warn">Expired`) {
		t.Error("an expired key is not marked expired")
	}
	if !strings.Contains(body, "Mar 11, 2026") || !strings.Contains(body, "00:00 UTC") {
		t.Error("the expiry is not shown as Mar 11, 2026 00:00 UTC")
	}
}

// flakyStore fails every call while down is set.
type flakyStore struct {
	*memstore.Store
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (s *flakyStore) Create(ctx context.Context, r apikey.Record) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Create(ctx, r)
}

func (s *flakyStore) List(ctx context.Context, q apikey.ListQuery) ([]apikey.Key, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.List(ctx, q)
}

func (s *flakyStore) Revoke(ctx context.Context, org, id string, at time.Time) (apikey.Key, error) {
	if s.down.Load() {
		return apikey.Key{}, errDown
	}
	return s.Store.Revoke(ctx, org, id, at)
}

func (s *flakyStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	if s.down.Load() {
		return apikey.Record{}, errDown
	}
	return s.Store.Get(ctx, id)
}

func TestStoreDownIs503(t *testing.T) {
	store := &flakyStore{Store: memstore.New()}
	svc, err := apikey.NewService(apikey.Config{Store: store, Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	h, err := web.New(web.Config{Service: svc, AdminPassword: password, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	e := &env{t: t, svc: svc, srv: srv, logs: logs}
	c := e.signedIn()
	store.down.Store(true)
	for _, tc := range []struct {
		desc string
		do   func() response
	}{
		{"list", func() response { return e.get(c, "/developer/api-keys") }},
		{"create", func() response {
			return e.post(c, "/developer/api-keys", url.Values{"name": {"x"}, "permission": {"read"}})
		}},
		{"revoke confirmation", func() response { return e.get(c, "/developer/api-keys/AAAAAAAAAAAA/revoke") }},
		{"revoke", func() response { return e.post(c, "/developer/api-keys/AAAAAAAAAAAA/revoke", nil) }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			res := tc.do()
			if res.status != http.StatusServiceUnavailable || !strings.Contains(res.body, "try again") {
				t.Fatalf("status %d, want 503 with a message", res.status)
			}
			if strings.Contains(res.body, errDown.Error()) {
				t.Error("the page shows the store's error")
			}
		})
	}
	if !strings.Contains(logs.String(), errDown.Error()) {
		t.Error("the store failure is not logged")
	}
}
