package grpcauth

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"

	"github.com/driive/keyauth/middleware"
)

// Interceptors are the gRPC server interceptors of one Config.
type Interceptors struct {
	a *auth
}

// New validates cfg and returns the gRPC interceptors, to install with
// grpc.ChainUnaryInterceptor(i.Unary) and grpc.ChainStreamInterceptor(i.Stream).
func New(cfg Config) (*Interceptors, error) {
	a, err := newAuth(cfg)
	if err != nil {
		return nil, err
	}
	return &Interceptors{a}, nil
}

// Unary checks the key of a unary call before its handler runs.
func (i *Interceptors) Unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, ref := i.a.check(ctx, authorization(ctx), info.FullMethod, req)
	if ref != nil {
		return nil, grpcError(ref)
	}
	return handler(ctx, req)
}

// Stream checks the key of a streaming call before its handler runs; the
// handler's stream.Context() carries the principal.
func (i *Interceptors) Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, ref := i.a.check(ss.Context(), authorization(ss.Context()), info.FullMethod, nil)
	if ref != nil {
		return grpcError(ref)
	}
	return handler(srv, &stream{ServerStream: ss, ctx: ctx})
}

// authorization returns every "authorization" value of the call's
// metadata: more than one is a malformed call, as two headers are in HTTP.
func authorization(ctx context.Context) []string {
	md, _ := metadata.FromIncomingContext(ctx)
	return md.Get("authorization")
}

type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }

// grpcError is the status error of a refusal.
func grpcError(ref *middleware.Refusal) error {
	st := status.New(Code(ref), message(ref))
	ds := details(ref)
	args := make([]protoadapt.MessageV1, len(ds))
	for i, d := range ds {
		args[i] = protoadapt.MessageV1Of(d)
	}
	if withDetails, err := st.WithDetails(args...); err == nil {
		st = withDetails
	}
	return st.Err()
}
