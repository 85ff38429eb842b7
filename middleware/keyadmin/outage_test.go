package keyadmin_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/keyadmin"
	"github.com/driive/keyauth/store/memstore"
)

// downStore is a memstore that fails every call while down is set.
type downStore struct {
	*memstore.Store
	down atomic.Bool
}

var errDown = errors.New("connection refused (secret-looking detail)")

func (s *downStore) fail() error {
	if s.down.Load() {
		return errDown
	}
	return nil
}

func (s *downStore) List(ctx context.Context, q apikey.ListQuery) ([]apikey.Key, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.Store.List(ctx, q)
}

func (s *downStore) Create(ctx context.Context, r apikey.Record) error {
	if err := s.fail(); err != nil {
		return err
	}
	return s.Store.Create(ctx, r)
}

func (s *downStore) Events(ctx context.Context, q apikey.EventQuery) ([]apikey.Event, error) {
	if err := s.fail(); err != nil {
		return nil, err
	}
	return s.Store.Events(ctx, q)
}

// A key store that cannot be reached is 503 with Retry-After, on the API
// (auth_unavailable) and on the page, and no detail of the failure
// reaches the client.
// downEnv is an env over a downStore, with Config.FlashKey flashKey.
func downEnv(t *testing.T, flashKey []byte) (*env, *downStore) {
	t.Helper()
	st := &downStore{Store: memstore.New()}
	c := keytest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	svc, err := apikey.NewService(apikey.Config{Store: st, Hash: fastHash, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	adm, err := keyadmin.New(keyadmin.Config{Service: svc, Actor: testActor, Authorize: testAuthorize, Now: c.Now, FlashKey: flashKey})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/v1/organizations/{orgId}/", adm.API())
	mux.Handle("/organizations/{orgId}/developer/api-keys", adm.Page())
	return &env{t: t, clock: c, svc: svc, mux: mux}, st
}

func TestStoreDownIs503(t *testing.T) {
	e, st := downEnv(t, nil)
	st.down.Store(true)
	for _, rt := range []struct{ method, path, body string }{
		{"GET", api + "/api-keys", ""},
		{"POST", api + "/api-keys", `{"name":"n","permission":"read"}`},
		{"GET", api + "/audit-events", ""},
	} {
		r := e.do("alice", rt.method, rt.path, rt.body)
		problemOf(t, r, http.StatusServiceUnavailable, middleware.CodeAuthUnavailable)
		if r.header.Get("Retry-After") == "" || strings.Contains(r.body, "secret-looking") {
			t.Errorf("%s %s: Retry-After %q, body %s", rt.method, rt.path, r.header.Get("Retry-After"), r.body)
		}
	}
	r := e.do("alice", "GET", page, "")
	if r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "could not be reached") || strings.Contains(r.body, "secret-looking") {
		t.Errorf("the page with the store down: %d", r.status)
	}
	st.down.Store(false)
	if r := e.do("alice", "GET", page, ""); r.status != 200 {
		t.Errorf("the page once the store is back: %d", r.status)
	}
}

// A page after a create that fails to load (the store down) keeps the new
// key for the retry: the flash is taken only by a page that shows it, in
// memory and sealed alike.
func TestPageKeyWaitsOutAStoreOutage(t *testing.T) {
	for _, key := range [][]byte{nil, flashKey} {
		e, st := downEnv(t, key)
		r := e.form("alice", page, "name=Patient&permission=read")
		loc := r.header.Get("Location")
		var cookie []string
		if key != nil {
			ck := flashCookie(t, r)
			cookie = []string{"Cookie", ck.Name + "=" + ck.Value}
		}
		st.down.Store(true)
		failed := e.do("alice", "GET", loc, "", cookie...)
		if failed.status != http.StatusServiceUnavailable || shownKey.MatchString(failed.body) || len(failed.header["Set-Cookie"]) != 0 {
			t.Fatalf("sealed %v: the page with the store down: %d, Set-Cookie %v", key != nil, failed.status, failed.header["Set-Cookie"])
		}
		st.down.Store(false)
		if shown := e.do("alice", "GET", loc, "", cookie...); shown.status != 200 || !shownKey.MatchString(shown.body) {
			t.Errorf("sealed %v: the retry once the store is back (%d) does not show the key", key != nil, shown.status)
		}
	}
}
