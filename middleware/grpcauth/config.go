package grpcauth

import (
	"context"
	"errors"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// Checker makes the decision: *middleware.Middleware satisfies it.
type Checker interface {
	Check(ctx context.Context, authorization []string, org string, need apikey.Permission) (apikey.Principal, *middleware.Refusal)
	CheckAnyOrg(ctx context.Context, authorization []string, need apikey.Permission) (apikey.Principal, *middleware.Refusal)
}

// Config configures the interceptors. Checker and Org are required.
type Config struct {
	// Checker checks keys: a *middleware.Middleware. Required.
	Checker Checker

	// Org returns the organization a call addresses, and false when the
	// method is not bound to one (a key of any organization passes). req
	// is the request message of a unary call, and nil for a streaming
	// one: take the organization from ctx's metadata or the method then.
	// A key of another organization gets NotFound. Required.
	Org func(ctx context.Context, fullMethod string, req any) (org string, scoped bool)

	// Permission returns what a method needs ("/pkg.Service/Method").
	// Default: apikey.Write for every method, so that a read key reaches
	// only the methods named as read. A value other than apikey.Read or
	// apikey.Write fails the call with Internal.
	Permission func(fullMethod string) apikey.Permission
}

type auth struct {
	Config
}

func newAuth(cfg Config) (*auth, error) {
	if cfg.Checker == nil {
		return nil, errors.New("grpcauth: Config.Checker is nil")
	}
	if cfg.Org == nil {
		return nil, errors.New("grpcauth: Config.Org is nil")
	}
	if cfg.Permission == nil {
		cfg.Permission = func(string) apikey.Permission { return apikey.Write }
	}
	return &auth{cfg}, nil
}

// check decides one call; on success ctx carries the principal.
func (a *auth) check(ctx context.Context, authorization []string, fullMethod string, req any) (context.Context, *middleware.Refusal) {
	org, scoped := a.Org(ctx, fullMethod, req)
	need := a.Permission(fullMethod)
	var p apikey.Principal
	var ref *middleware.Refusal
	if scoped {
		p, ref = a.Checker.Check(ctx, authorization, org, need)
	} else {
		p, ref = a.Checker.CheckAnyOrg(ctx, authorization, need)
	}
	if ref != nil {
		return ctx, ref
	}
	return apikey.NewContext(ctx, p), nil
}
