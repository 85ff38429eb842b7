package grpcauth

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	"github.com/driive/keyauth/middleware"
)

// ConnectInterceptor is a connect.Interceptor for handlers: it checks the
// key of unary and streaming calls before their handlers run. Client
// calls pass through untouched.
type ConnectInterceptor struct {
	a *auth
}

var _ connect.Interceptor = (*ConnectInterceptor)(nil)

// NewConnect validates cfg and returns the interceptor, to install with
// connect.WithInterceptors. Org receives the procedure as the full method
// ("/pkg.Service/Method") and, for unary calls, the request message.
func NewConnect(cfg Config) (*ConnectInterceptor, error) {
	a, err := newAuth(cfg)
	if err != nil {
		return nil, err
	}
	return &ConnectInterceptor{a}, nil
}

// WrapUnary implements connect.Interceptor.
func (c *ConnectInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		ctx, ref := c.a.check(ctx, req.Header().Values("Authorization"), req.Spec().Procedure, req.Any())
		if ref != nil {
			return nil, connectError(ref)
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor: it changes nothing.
func (c *ConnectInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (c *ConnectInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, ref := c.a.check(ctx, conn.RequestHeader().Values("Authorization"), conn.Spec().Procedure, nil)
		if ref != nil {
			return connectError(ref)
		}
		return next(ctx, conn)
	}
}

// connectError is the connect error of a refusal. It carries the
// challenge in WWW-Authenticate, as the HTTP contract does.
func connectError(ref *middleware.Refusal) *connect.Error {
	err := connect.NewError(connect.Code(Code(ref)), errors.New(message(ref)))
	for _, d := range details(ref) {
		if detail, derr := connect.NewErrorDetail(d); derr == nil {
			err.AddDetail(detail)
		}
	}
	if ref.Challenge != "" {
		err.Meta().Set("WWW-Authenticate", ref.Challenge)
	}
	return err
}
