package otelauth

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/driive/keyauth/apikey"
)

// ColdPathSpans returns a hook for apikey.Config.ColdPath that makes the
// cold path of each authentication a span, keyauth.authenticate.cold: a
// well-formed key that is not cached, from before its store read to the
// answer. The cached path makes no span and costs nothing more.
//
// The span carries the key id (never key text), the outcome
// (keyauth.outcome: ok, invalid, expired, revoked, unavailable, corrupt,
// schema_outdated, error) and, with Options.OrgIDInSpans, the
// organization id of a key that authenticated. An unavailable, corrupt,
// schema_outdated or error outcome ends it with an error status; a
// refused key is no error. With WrapStore on the Service's Store, the
// store calls the cold path makes (keyauth.store.Get, SetTag) are its
// children; concurrent requests for one id share one read, which is the
// child of the first one's span.
func ColdPathSpans(o Options) apikey.ColdPathHook {
	tracer := o.tracer()
	orgIDs := o.OrgIDInSpans
	return func(ctx context.Context, keyID string) (context.Context, func(apikey.Principal, error)) {
		ctx, span := tracer.Start(ctx, "keyauth.authenticate.cold", trace.WithAttributes(AttrKeyID.String(keyID)))
		return ctx, func(p apikey.Principal, err error) {
			i := outcomeOf(err)
			span.SetAttributes(AttrOutcome.String(outcomeNames[i]))
			if orgIDs && err == nil {
				span.SetAttributes(AttrOrgID.String(p.OrgID))
			}
			if i >= outcomeUnavailable {
				span.RecordError(err)
				span.SetStatus(codes.Error, outcomeNames[i])
			}
			span.End()
		}
	}
}
