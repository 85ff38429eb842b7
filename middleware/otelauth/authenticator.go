package otelauth

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// Outcomes of an authentication: indexes of outcomeNames. From
// outcomeUnavailable on, they are failures of the service, not answers
// about a key.
const (
	outcomeOK = iota
	outcomeInvalid
	outcomeExpired
	outcomeRevoked
	outcomeUnavailable
	outcomeCorrupt
	outcomeSchemaOutdated
	outcomeError
)

// outcomeNames are the values of the outcome attribute.
var outcomeNames = [...]string{
	outcomeOK: "ok", outcomeInvalid: "invalid", outcomeExpired: "expired", outcomeRevoked: "revoked",
	outcomeUnavailable: "unavailable", outcomeCorrupt: "corrupt", outcomeSchemaOutdated: "schema_outdated", outcomeError: "error",
}

// pathNames are the values of the path attribute, indexed by apikey.Path.
var pathNames = [...]string{
	apikey.PathNone: apikey.PathNone.String(), apikey.PathCached: apikey.PathCached.String(), apikey.PathCold: apikey.PathCold.String(),
}

// noPath is the path index of an authentication by an Authenticator that
// does not say which path answered: its points have no path attribute.
const noPath = len(pathNames)

// pathAuthenticator is an Authenticator that says which path answered, as
// *apikey.Service does.
type pathAuthenticator interface {
	AuthenticatePath(ctx context.Context, token string) (apikey.Principal, apikey.Path, error)
}

// WrapAuthenticator returns an Authenticator that counts each
// authentication by outcome and path, and records the duration of a
// sample of them:
//
//	keyauth.auth.requests   counter    {request}  every authentication, by outcome: ok, invalid,
//	                                              expired, revoked, unavailable, corrupt,
//	                                              schema_outdated, error; and by path: cached,
//	                                              cold, none
//	keyauth.auth.duration   histogram  s          one authentication in Options.DurationEvery
//	                                              (16 by default), by outcome and path
//
// The path is the one apikey.Path names, if a has the AuthenticatePath
// method of *apikey.Service: cached (the key's id was in the cache, no
// argon2id), cold (it was not: a store read, perhaps an argon2id run), or
// none (refused without either: a text that is not a key, or a closed
// Service). Points with path none are reported for the outcomes invalid
// and unavailable, and for any other once it happens. Without that method
// the points have no path attribute.
//
// The histogram's sample is taken by arrival, whatever the outcome or the
// path, so its distribution is that of every authentication; its count is
// about keyauth.auth.requests divided by DurationEvery. Samples carry the
// request's context, for exemplars.
//
// It keeps a's Prefix method, which the middleware reads key ids with.
func WrapAuthenticator(a middleware.Authenticator, o Options) (middleware.Authenticator, error) {
	if a == nil {
		return nil, errors.New("otelauth: WrapAuthenticator: nil Authenticator")
	}
	if o.DurationEvery < 0 {
		return nil, errors.New("otelauth: WrapAuthenticator: negative Options.DurationEvery")
	}
	m := o.meter()
	requests, err1 := m.Int64ObservableCounter("keyauth.auth.requests", metric.WithUnit("{request}"),
		metric.WithDescription("authentications by outcome and path"))
	duration, err2 := m.Float64Histogram("keyauth.auth.duration", metric.WithUnit("s"),
		metric.WithDescription("time to authenticate a key, by outcome and path, of a sample of the authentications"),
		metric.WithExplicitBucketBoundaries(0.000_001, 0.000_005, 0.000_025, 0.000_1, 0.000_5, 0.001, 0.005, 0.025, 0.1, 0.5, 2.5))
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	w := &authenticator{inner: a, duration: duration, now: o.Now, every: uint64(o.DurationEvery), prefix: apikey.DefaultPrefix,
		stripes: make([]stripe, stripes)}
	if p, ok := a.(interface{ Prefix() string }); ok {
		w.prefix = p.Prefix()
	}
	w.paths, _ = a.(pathAuthenticator)
	if w.every == 0 {
		w.every = DefaultDurationEvery
	}
	var observe [len(outcomeNames)][noPath + 1]metric.ObserveOption
	for i, outcome := range outcomeNames {
		for j := range noPath + 1 {
			attrs := []attribute.KeyValue{attribute.String("outcome", outcome)}
			if j != noPath {
				attrs = append(attrs, attribute.String("path", pathNames[j]))
			}
			set := metric.WithAttributeSet(attribute.NewSet(attrs...))
			w.record[i][j] = []metric.RecordOption{set}
			observe[i][j] = set
		}
	}
	// The counter is read from atomics at collection: a request pays an
	// atomic add, not an SDK lookup.
	if _, err := m.RegisterCallback(func(_ context.Context, ob metric.Observer) error {
		for i := range len(outcomeNames) {
			if w.paths == nil {
				ob.ObserveInt64(requests, clamp(w.count(i, noPath)), observe[i][noPath])
				continue
			}
			for j := range noPath {
				n := w.count(i, j)
				if j == int(apikey.PathNone) && n == 0 && i != outcomeInvalid && i != outcomeUnavailable {
					continue // an outcome the Service never gives without a lookup
				}
				ob.ObserveInt64(requests, clamp(n), observe[i][j])
			}
		}
		return nil
	}, requests); err != nil {
		return nil, err
	}
	return w, nil
}

type authenticator struct {
	inner    middleware.Authenticator
	paths    pathAuthenticator // inner, if it says which path answered
	duration metric.Float64Histogram
	now      func() time.Time // Options.Now; nil: the monotonic clock
	every    uint64           // Options.DurationEvery, at least 1
	prefix   string
	stripes  []stripe
	// Options per outcome and path, built once: an update allocates
	// nothing.
	record [len(outcomeNames)][noPath + 1][]metric.RecordOption
}

func (w *authenticator) Prefix() string { return w.prefix }

// The per-request counters are kept in stripes, each its own cache
// lines, and a request writes the stripe its key's last character picks:
// requests with different keys on different cores then write different
// lines, where one set of counters would be lines that every request on
// every core writes. Requests with one key share a stripe, as they share
// the key's cache entry.
const stripes = 16

type stripe struct {
	seq    atomic.Uint64 // authentications begun here: every'th is timed
	counts [len(outcomeNames)][noPath + 1]atomic.Uint64
	_      [64 - (8+8*len(outcomeNames)*(noPath+1))%64]byte
}

// stripeOf picks token's stripe by its last character: the end of a key's
// checksum, which spreads keys evenly.
func (w *authenticator) stripeOf(token string) *stripe {
	if token == "" {
		return &w.stripes[0]
	}
	return &w.stripes[token[len(token)-1]%stripes]
}

// count is the number of authentications with outcome i and path j.
func (w *authenticator) count(i, j int) uint64 {
	var n uint64
	for k := range w.stripes {
		n += w.stripes[k].counts[i][j].Load()
	}
	return n
}

func (w *authenticator) Authenticate(ctx context.Context, token string) (apikey.Principal, error) {
	st := w.stripeOf(token)
	if st.seq.Add(1)%w.every != 0 {
		// Not timed: the call is written out for each kind of inner
		// Authenticator, as a function returning the Principal would copy
		// it once more.
		if w.paths == nil {
			p, err := w.inner.Authenticate(ctx, token)
			st.counts[outcomeOf(err)][noPath].Add(1)
			return p, err
		}
		p, path, err := w.paths.AuthenticatePath(ctx, token)
		st.counts[outcomeOf(err)][pathIndex(path)].Add(1)
		return p, err
	}
	var p apikey.Principal
	var err error
	path := noPath
	start := w.clock()
	if w.paths == nil {
		p, err = w.inner.Authenticate(ctx, token)
	} else {
		var ap apikey.Path
		p, ap, err = w.paths.AuthenticatePath(ctx, token)
		path = pathIndex(ap)
	}
	elapsed := w.clock() - start
	i := outcomeOf(err)
	st.counts[i][path].Add(1)
	w.duration.Record(ctx, elapsed.Seconds(), w.record[i][path]...)
	return p, err
}

// pathIndex is the index of p in pathNames; none for a path this package
// does not know.
func pathIndex(p apikey.Path) int {
	if int(p) < len(pathNames) {
		return int(p)
	}
	return int(apikey.PathNone)
}

// epoch anchors the monotonic clock: time.Since of a time.Now reading
// reads only the monotonic clock, where time.Now reads it and the wall
// clock.
var epoch = time.Now()

// clock returns a reading of Options.Now, or of the monotonic clock, as a
// duration since an arbitrary origin.
func (w *authenticator) clock() time.Duration {
	if w.now != nil {
		return w.now().Sub(epoch)
	}
	return time.Since(epoch)
}

func outcomeOf(err error) int {
	switch {
	case err == nil:
		return outcomeOK
	case errors.Is(err, apikey.ErrInvalidKey):
		return outcomeInvalid
	case errors.Is(err, apikey.ErrKeyExpired):
		return outcomeExpired
	case errors.Is(err, apikey.ErrKeyRevoked):
		return outcomeRevoked
	case errors.Is(err, apikey.ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return outcomeUnavailable
	case errors.Is(err, apikey.ErrCorruptHash):
		return outcomeCorrupt
	case errors.Is(err, apikey.ErrSchemaOutdated):
		return outcomeSchemaOutdated
	}
	return outcomeError
}
