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

// outcomes of an authentication, the values of the outcome attribute.
var outcomeNames = [...]string{"ok", "invalid", "expired", "revoked", "unavailable", "corrupt", "schema_outdated", "error"}

// WrapAuthenticator returns an Authenticator that counts each
// authentication by outcome and records the duration of a sample of them:
//
//	keyauth.auth.requests   counter    {request}  every authentication, by outcome: ok, invalid,
//	                                              expired, revoked, unavailable, corrupt,
//	                                              schema_outdated, error
//	keyauth.auth.duration   histogram  s          one authentication in Options.DurationEvery
//	                                              (16 by default), by outcome
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
		metric.WithDescription("authentications by outcome"))
	duration, err2 := m.Float64Histogram("keyauth.auth.duration", metric.WithUnit("s"),
		metric.WithDescription("time to authenticate a key, by outcome, of a sample of the authentications"),
		metric.WithExplicitBucketBoundaries(0.000_001, 0.000_005, 0.000_025, 0.000_1, 0.000_5, 0.001, 0.005, 0.025, 0.1, 0.5, 2.5))
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	w := &authenticator{inner: a, duration: duration, now: o.Now, every: uint64(o.DurationEvery), prefix: apikey.DefaultPrefix}
	if p, ok := a.(interface{ Prefix() string }); ok {
		w.prefix = p.Prefix()
	}
	if w.every == 0 {
		w.every = DefaultDurationEvery
	}
	var observe [len(outcomeNames)]metric.ObserveOption
	for i, name := range outcomeNames {
		set := metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", name)))
		w.record[i] = []metric.RecordOption{set}
		observe[i] = set
	}
	// The counter is read from atomics at collection: a request pays an
	// atomic add, not an SDK lookup.
	if _, err := m.RegisterCallback(func(_ context.Context, ob metric.Observer) error {
		for i := range w.counts {
			ob.ObserveInt64(requests, clamp(w.counts[i].Load()), observe[i])
		}
		return nil
	}, requests); err != nil {
		return nil, err
	}
	return w, nil
}

type authenticator struct {
	inner    middleware.Authenticator
	duration metric.Float64Histogram
	now      func() time.Time // Options.Now; nil: the monotonic clock
	every    uint64           // Options.DurationEvery, at least 1
	prefix   string
	seq      atomic.Uint64 // authentications begun: every'th is timed
	counts   [len(outcomeNames)]atomic.Uint64
	// Options per outcome, built once: an update allocates nothing.
	record [len(outcomeNames)][]metric.RecordOption
}

func (w *authenticator) Prefix() string { return w.prefix }

func (w *authenticator) Authenticate(ctx context.Context, token string) (apikey.Principal, error) {
	if w.seq.Add(1)%w.every != 0 {
		p, err := w.inner.Authenticate(ctx, token)
		w.counts[outcomeOf(err)].Add(1)
		return p, err
	}
	start := w.clock()
	p, err := w.inner.Authenticate(ctx, token)
	elapsed := w.clock() - start
	i := outcomeOf(err)
	w.counts[i].Add(1)
	w.duration.Record(ctx, elapsed.Seconds(), w.record[i]...)
	return p, err
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
		return 0
	case errors.Is(err, apikey.ErrInvalidKey):
		return 1
	case errors.Is(err, apikey.ErrKeyExpired):
		return 2
	case errors.Is(err, apikey.ErrKeyRevoked):
		return 3
	case errors.Is(err, apikey.ErrUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return 4
	case errors.Is(err, apikey.ErrCorruptHash):
		return 5
	case errors.Is(err, apikey.ErrSchemaOutdated):
		return 6
	}
	return 7
}
