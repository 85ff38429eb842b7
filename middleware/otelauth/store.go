package otelauth

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/driive/keyauth/apikey"
)

// Attribute keys on spans.
const (
	AttrKeyID = attribute.Key("keyauth.key_id")
	AttrOrgID = attribute.Key("keyauth.org_id") // only with Options.OrgIDInSpans
	AttrCount = attribute.Key("keyauth.count")  // keys written, changes or events read
	// AttrOutcome is the outcome of an authentication on a
	// keyauth.authenticate.cold span (ColdPathSpans).
	AttrOutcome = attribute.Key("keyauth.outcome")
)

// WrapStore returns a Store whose every call is a span named
// keyauth.store.<Method>, a child of the span in the call's context: for
// Get, the cold path of an authentication. Spans carry the key id, never
// key text or a hash; the organization id only with Options.OrgIDInSpans.
// A failed call ends its span with an error status.
func WrapStore(s apikey.Store, o Options) (apikey.Store, error) {
	if s == nil {
		return nil, errors.New("otelauth: WrapStore: nil Store")
	}
	return &store{inner: s, tracer: o.tracer(), orgIDs: o.OrgIDInSpans}, nil
}

type store struct {
	inner  apikey.Store
	tracer trace.Tracer
	orgIDs bool
}

func (s *store) start(ctx context.Context, name, keyID, orgID string) (context.Context, trace.Span) {
	attrs := make([]attribute.KeyValue, 0, 2)
	if keyID != "" {
		attrs = append(attrs, AttrKeyID.String(keyID))
	}
	if s.orgIDs && orgID != "" {
		attrs = append(attrs, AttrOrgID.String(orgID))
	}
	return s.tracer.Start(ctx, "keyauth.store."+name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
}

// end ends span with err's status. An answer that is no failure of the
// store (not found, already exists) is no error either.
func end(span trace.Span, err error) {
	if err != nil && !errors.Is(err, apikey.ErrNotFound) && !errors.Is(err, apikey.ErrAlreadyExists) {
		span.RecordError(err)
		span.SetStatus(codes.Error, "store call failed")
	}
	span.End()
}

func (s *store) Create(ctx context.Context, r apikey.Record) error {
	ctx, span := s.start(ctx, "Create", r.ID, r.OrgID)
	err := s.inner.Create(ctx, r)
	end(span, err)
	return err
}

func (s *store) Get(ctx context.Context, id string) (apikey.Record, error) {
	ctx, span := s.start(ctx, "Get", id, "")
	r, err := s.inner.Get(ctx, id)
	if err == nil && s.orgIDs {
		span.SetAttributes(AttrOrgID.String(r.OrgID))
	}
	end(span, err)
	return r, err
}

func (s *store) List(ctx context.Context, q apikey.ListQuery) ([]apikey.Key, error) {
	ctx, span := s.start(ctx, "List", "", q.OrgID)
	ks, err := s.inner.List(ctx, q)
	span.SetAttributes(AttrCount.Int(len(ks)))
	end(span, err)
	return ks, err
}

func (s *store) Revoke(ctx context.Context, orgID, id string, at time.Time) (apikey.Key, error) {
	ctx, span := s.start(ctx, "Revoke", id, orgID)
	k, err := s.inner.Revoke(ctx, orgID, id, at)
	end(span, err)
	return k, err
}

func (s *store) Rotate(ctx context.Context, r apikey.Rotation) (apikey.Key, error) {
	ctx, span := s.start(ctx, "Rotate", r.OldID, r.OrgID)
	span.SetAttributes(attribute.String("keyauth.new_key_id", r.New.ID))
	k, err := s.inner.Rotate(ctx, r)
	end(span, err)
	return k, err
}

func (s *store) RecordUse(ctx context.Context, uses []apikey.Use) error {
	ctx, span := s.start(ctx, "RecordUse", "", "")
	span.SetAttributes(AttrCount.Int(len(uses)))
	err := s.inner.RecordUse(ctx, uses)
	end(span, err)
	return err
}

func (s *store) SetTag(ctx context.Context, id, tag string) error {
	ctx, span := s.start(ctx, "SetTag", id, "")
	err := s.inner.SetTag(ctx, id, tag)
	end(span, err)
	return err
}

func (s *store) Changes(ctx context.Context, cursor string) ([]apikey.Change, string, error) {
	ctx, span := s.start(ctx, "Changes", "", "")
	cs, next, err := s.inner.Changes(ctx, cursor)
	span.SetAttributes(AttrCount.Int(len(cs)))
	end(span, err)
	return cs, next, err
}

func (s *store) Events(ctx context.Context, q apikey.EventQuery) ([]apikey.Event, error) {
	ctx, span := s.start(ctx, "Events", "", q.OrgID)
	es, err := s.inner.Events(ctx, q)
	span.SetAttributes(AttrCount.Int(len(es)))
	end(span, err)
	return es, err
}
