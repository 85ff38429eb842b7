package apikey

import "context"

type principalKey struct{}

// principalCtx carries a Principal. It is its own context type, rather
// than context.WithValue, so that NewContext costs one allocation per
// request instead of two (the value node and the boxed Principal).
type principalCtx struct {
	context.Context
	p Principal
}

func (c *principalCtx) Value(key any) any {
	if _, ok := key.(principalKey); ok {
		return c
	}
	return c.Context.Value(key)
}

func (c *principalCtx) String() string { return "apikey.NewContext(key " + c.p.KeyID + ")" }

// NewContext returns a copy of ctx that carries p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return &principalCtx{Context: ctx, p: p}
}

// FromContext returns the Principal stored in ctx by NewContext, and false
// if there is none. It never panics.
func FromContext(ctx context.Context) (Principal, bool) {
	if ctx == nil {
		return Principal{}, false
	}
	c, ok := ctx.Value(principalKey{}).(*principalCtx)
	if !ok {
		return Principal{}, false
	}
	return c.p, true
}
