package apikey

import (
	"context"
	"strconv"
)

// Path is the part of a Service that answered an authentication, as
// [Service.AuthenticatePath] reports it.
type Path uint8

const (
	// PathNone: the text was refused without a lookup: it is not shaped
	// like a key of the Service's prefix, or its checksum is wrong
	// (ErrInvalidKey), or the Service is closed (ErrClosed).
	PathNone Path = iota
	// PathCached: the key's id was in the cache of verified keys, which
	// answered with no argon2id run: the cached key's status (read again
	// from the store first when the change feed is older than
	// Config.MaxStaleness), or ErrInvalidKey for another text under the
	// cached id.
	PathCached
	// PathCold: the key was not cached. Its id's record was read (from
	// the store, or from a read kept for a second), and the secret
	// checked by the check tag and then argon2id; a key so verified is
	// cached.
	PathCold
)

// String returns "none", "cached" or "cold".
func (p Path) String() string {
	switch p {
	case PathNone:
		return "none"
	case PathCached:
		return "cached"
	case PathCold:
		return "cold"
	}
	return "Path(" + strconv.Itoa(int(p)) + ")"
}

// ColdPathHook observes the cold path of authentications (see
// [PathCold]), for tracing: middleware/otelauth's ColdPathSpans starts a
// span with it, whose children are the store calls of the cold path.
//
// The Service calls it only for a well-formed key that is not cached,
// before the store is read, with the key's id (which is public; the hook
// never sees key text). The cold path then runs with the context the hook
// returns, and ends with a call of done, if not nil, with the Principal
// (zero unless err is nil) and the error that Authenticate returns. The
// cached path never calls it, so a hook costs nothing there. A hook runs
// on the request's goroutine and must not block.
type ColdPathHook func(ctx context.Context, keyID string) (_ context.Context, done func(Principal, error))

// cold runs the cold path (cold.go) inside Config.ColdPath.
func (s *Service) cold(ctx context.Context, token, id string, d digest) (Principal, error) {
	hook := s.cfg.ColdPath
	if hook == nil {
		return s.authenticateCold(ctx, token, id, d)
	}
	hctx, done := hook(ctx, id)
	if hctx == nil {
		hctx = ctx
	}
	p, err := s.authenticateCold(hctx, token, id, d)
	if done != nil {
		done(p, err)
	}
	return p, err
}
