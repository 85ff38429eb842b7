package grpcauth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/grpcauth"
	"github.com/driive/keyauth/store/memstore"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// The test service is gRPC's health service: Check (unary) needs write,
// Watch (server streaming) needs read. Check's request names the
// organization in its Service field; a Watch names it in the x-org
// metadata.
const (
	checkMethod = "/grpc.health.v1.Health/Check"
	watchMethod = "/grpc.health.v1.Health/Watch"
)

// downStore fails Get while down is set.
type downStore struct {
	*memstore.Store
	down atomic.Bool
}

func (s *downStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	if s.down.Load() {
		return apikey.Record{}, errors.New("connection refused")
	}
	return s.Store.Get(ctx, id)
}

// env is a Service with keys in every state the cases need.
type env struct {
	cfg   grpcauth.Config
	store *downStore
	clock *keytest.Clock

	write, read, other, expired, revoked, cold string
	writeID                                    string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{store: &downStore{Store: memstore.New()}, clock: keytest.NewClock(t0)}
	svc, err := apikey.NewService(apikey.Config{Store: e.store, Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mint := func(org string, p apikey.Permission, expires time.Time) (apikey.Key, string) {
		k, s, err := svc.Create(ctx, apikey.CreateParams{OrgID: org, Name: "t", Permission: p, ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
		return k, s.Reveal()
	}
	var wk, rk apikey.Key
	wk, e.write = mint("acme", apikey.Write, time.Time{})
	_, e.read = mint("acme", apikey.Read, time.Time{})
	_, e.other = mint("globex", apikey.Write, time.Time{})
	_, e.expired = mint("acme", apikey.Write, t0.Add(time.Minute))
	rk, e.revoked = mint("acme", apikey.Write, time.Time{})
	_, e.cold = mint("acme", apikey.Write, time.Time{})
	if _, err := svc.Revoke(ctx, "acme", rk.ID); err != nil {
		t.Fatal(err)
	}
	e.writeID = wk.ID
	e.clock.Advance(time.Hour) // the expiring key has expired
	mw, err := middleware.New(middleware.Config{Authenticator: svc})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = grpcauth.Config{
		Checker: mw,
		Org: func(ctx context.Context, _ string, req any) (string, bool) {
			if r, ok := req.(*grpc_health_v1.HealthCheckRequest); ok {
				return r.Service, true
			}
			md, _ := metadata.FromIncomingContext(ctx)
			if v := md.Get("x-org"); len(v) == 1 {
				return v[0], true
			}
			return "", true
		},
		Permission: func(m string) apikey.Permission {
			if m == watchMethod {
				return apikey.Read
			}
			return apikey.Write
		},
	}
	return e
}

// call is one case: the authorization values sent, the organization and
// the method, and what must come back.
type call struct {
	name   string
	authz  []string
	org    string
	watch  bool   // call Watch (streaming, read) instead of Check (unary, write)
	down   bool   // the store fails during the call
	code   string // the refusal code; "" for success
	status string // the gRPC / connect code name
}

func (e *env) cases() []call {
	return []call{
		{name: "no metadata", org: "acme", code: "missing_api_key", status: "Unauthenticated"},
		{name: "malformed", authz: []string{"Bearer a b"}, org: "acme", code: "invalid_request", status: "Unauthenticated"},
		{name: "two values", authz: []string{"Bearer " + e.write, "Bearer " + e.write}, org: "acme", code: "invalid_request", status: "Unauthenticated"},
		{name: "invalid", authz: []string{"Bearer " + keytest.WrongSecret(e.write)}, org: "acme", code: "invalid_api_key", status: "Unauthenticated"},
		{name: "expired", authz: []string{"Bearer " + e.expired}, org: "acme", code: "api_key_expired", status: "Unauthenticated"},
		{name: "revoked", authz: []string{"Bearer " + e.revoked}, org: "acme", code: "api_key_revoked", status: "Unauthenticated"},
		{name: "other organization", authz: []string{"Bearer " + e.other}, org: "acme", code: "not_found", status: "NotFound"},
		{name: "read key on a write method", authz: []string{"Bearer " + e.read}, org: "acme", code: "insufficient_permission", status: "PermissionDenied"},
		{name: "store down", authz: []string{"Bearer " + e.cold}, org: "acme", down: true, code: "auth_unavailable", status: "Unavailable"},
		{name: "success", authz: []string{"Bearer " + e.write}, org: "acme"},
		{name: "streaming: read key", authz: []string{"Bearer " + e.read}, org: "acme", watch: true},
		{name: "streaming: other organization", authz: []string{"Bearer " + e.other}, org: "acme", watch: true, code: "not_found", status: "NotFound"},
		{name: "streaming: no metadata", org: "acme", watch: true, code: "missing_api_key", status: "Unauthenticated"},
	}
}

// principals records the principal each handler found in its context.
type principals struct {
	got chan apikey.Principal
}

func (p *principals) record(ctx context.Context) {
	pr, _ := apikey.FromContext(ctx)
	p.got <- pr
}
