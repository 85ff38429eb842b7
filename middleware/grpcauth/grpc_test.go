package grpcauth_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware/grpcauth"
)

type healthServer struct {
	grpc_health_v1.UnimplementedHealthServer
	p *principals
}

func (h *healthServer) Check(ctx context.Context, _ *grpc_health_v1.HealthCheckRequest) (*grpc_health_v1.HealthCheckResponse, error) {
	h.p.record(ctx)
	return &grpc_health_v1.HealthCheckResponse{Status: grpc_health_v1.HealthCheckResponse_SERVING}, nil
}

func (h *healthServer) Watch(_ *grpc_health_v1.HealthCheckRequest, s grpc.ServerStreamingServer[grpc_health_v1.HealthCheckResponse]) error {
	h.p.record(s.Context())
	return s.Send(&grpc_health_v1.HealthCheckResponse{Status: grpc_health_v1.HealthCheckResponse_SERVING})
}

// TestGRPC runs every case against a real gRPC server and client over
// loopback.
func TestGRPC(t *testing.T) {
	e := newEnv(t)
	ic, err := grpcauth.New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &principals{got: make(chan apikey.Principal, 1)}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(ic.Unary), grpc.ChainStreamInterceptor(ic.Stream))
	grpc_health_v1.RegisterHealthServer(srv, &healthServer{p: p})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	client := grpc_health_v1.NewHealthClient(conn)

	for _, c := range e.cases() {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			md := metadata.MD{}
			for _, a := range c.authz {
				md.Append("authorization", a)
			}
			md.Set("x-org", c.org)
			ctx = metadata.NewOutgoingContext(ctx, md)
			e.store.down.Store(c.down)
			defer e.store.down.Store(false)
			if c.watch {
				err = watch(ctx, client, c.org)
			} else {
				_, err = client.Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: c.org})
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
			st, ok := status.FromError(err)
			if !ok || st.Code().String() != c.status || !strings.HasPrefix(st.Message(), "keyauth: "+c.code+": ") {
				t.Fatalf("error = %v, want %s with code %s", err, c.status, c.code)
			}
			var info *errdetails.ErrorInfo
			var retry *errdetails.RetryInfo
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.ErrorInfo:
					info = d
				case *errdetails.RetryInfo:
					retry = d
				}
			}
			if info == nil || info.Reason != c.code || info.Domain != grpcauth.Domain {
				t.Errorf("details = %v, want ErrorInfo %s", st.Details(), c.code)
			}
			// An unavailable answer says when to retry (the middleware's
			// default Retry-After, 2 s); no other answer does.
			if unavailable := st.Code() == codes.Unavailable; unavailable != (retry != nil) ||
				retry != nil && retry.GetRetryDelay().AsDuration() != 2*time.Second {
				t.Errorf("%s: details = %v, want a RetryInfo of 2s only on Unavailable", st.Code(), st.Details())
			}
			for _, k := range []string{e.write, e.read, e.other, e.cold} {
				if strings.Contains(err.Error(), k) {
					t.Error("the error holds a key")
				}
			}
		})
	}
}

func watch(ctx context.Context, client grpc_health_v1.HealthClient, org string) error {
	s, err := client.Watch(ctx, &grpc_health_v1.HealthCheckRequest{Service: org})
	if err != nil {
		return err
	}
	if _, err := s.Recv(); err != nil {
		return err
	}
	if _, err := s.Recv(); err != io.EOF {
		return err
	}
	return nil
}
