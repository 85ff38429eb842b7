package grpcauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware/grpcauth"
)

type (
	healthReq  = grpc_health_v1.HealthCheckRequest
	healthResp = grpc_health_v1.HealthCheckResponse
)

// TestConnect runs every case against a real connect server and client
// over loopback, with the connect protocol (unary and server streaming).
func TestConnect(t *testing.T) {
	e := newEnv(t)
	// connect puts request headers in the context as gRPC puts metadata
	// nowhere: the test's Org reads x-org from gRPC metadata, so copy it.
	org := e.cfg.Org
	e.cfg.Org = func(ctx context.Context, m string, req any) (string, bool) {
		if h, ok := ctx.Value(headerKey{}).(http.Header); ok && req == nil {
			ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("x-org", h.Get("X-Org")))
		}
		return org(ctx, m, req)
	}
	ic, err := grpcauth.NewConnect(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &principals{got: make(chan apikey.Principal, 1)}
	mux := http.NewServeMux()
	mux.Handle(checkMethod, connect.NewUnaryHandler(checkMethod,
		func(ctx context.Context, _ *connect.Request[healthReq]) (*connect.Response[healthResp], error) {
			p.record(ctx)
			return connect.NewResponse(&healthResp{Status: grpc_health_v1.HealthCheckResponse_SERVING}), nil
		}, connect.WithInterceptors(ic)))
	mux.Handle(watchMethod, connect.NewServerStreamHandler(watchMethod,
		func(ctx context.Context, _ *connect.Request[healthReq], s *connect.ServerStream[healthResp]) error {
			p.record(ctx)
			return s.Send(&healthResp{Status: grpc_health_v1.HealthCheckResponse_SERVING})
		}, connect.WithInterceptors(ic)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), headerKey{}, r.Header)))
	}))
	t.Cleanup(srv.Close)
	check := connect.NewClient[healthReq, healthResp](srv.Client(), srv.URL+checkMethod)
	watch := connect.NewClient[healthReq, healthResp](srv.Client(), srv.URL+watchMethod)

	for _, c := range e.cases() {
		t.Run(c.name, func(t *testing.T) {
			req := connect.NewRequest(&healthReq{Service: c.org})
			for _, a := range c.authz {
				req.Header().Add("Authorization", a)
			}
			req.Header().Set("X-Org", c.org)
			e.store.down.Store(c.down)
			defer e.store.down.Store(false)
			var err error
			if c.watch {
				var s *connect.ServerStreamForClient[healthResp]
				if s, err = watch.CallServerStream(context.Background(), req); err == nil {
					for s.Receive() {
					}
					err = s.Err()
					s.Close()
				}
			} else {
				_, err = check.CallUnary(context.Background(), req)
			}
			if c.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if pr := <-p.got; pr.OrgID != "acme" || pr.KeyID == "" {
					t.Errorf("principal in the handler's context = %+v", pr)
				}
				return
			}
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code().String() != connectCode(c.status) ||
				!strings.HasPrefix(ce.Message(), "keyauth: "+c.code+": ") {
				t.Fatalf("error = %v, want %s with code %s", err, c.status, c.code)
			}
			var info *errdetails.ErrorInfo
			for _, d := range ce.Details() {
				if v, err := d.Value(); err == nil {
					if i, ok := v.(*errdetails.ErrorInfo); ok {
						info = i
					}
				}
			}
			if info == nil || info.Reason != c.code || info.Domain != grpcauth.Domain {
				t.Errorf("details of %v: no ErrorInfo %s", err, c.code)
			}
			if c.status == "Unauthenticated" && c.code != "invalid_request" && ce.Meta().Get("WWW-Authenticate") == "" {
				t.Errorf("no WWW-Authenticate on %s", c.code)
			}
		})
	}
}

type headerKey struct{}

// connectCode is the connect spelling of a gRPC code name.
func connectCode(grpcName string) string {
	switch grpcName {
	case "Unauthenticated":
		return "unauthenticated"
	case "PermissionDenied":
		return "permission_denied"
	case "NotFound":
		return "not_found"
	case "Unavailable":
		return "unavailable"
	}
	return strings.ToLower(grpcName)
}
