package otelauth

import (
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Options configure the instruments. The zero value uses the global
// providers (otel.GetMeterProvider, otel.GetTracerProvider).
type Options struct {
	// MeterProvider makes the meters. Default: the global one.
	MeterProvider metric.MeterProvider
	// TracerProvider makes the tracers. Default: the global one.
	TracerProvider trace.TracerProvider
	// OrgIDInSpans puts the organization id on spans (keyauth.org_id).
	// Default false: an organization id may be personal data.
	OrgIDInSpans bool
	// Now is the clock of durations and of the change-feed lag. Default
	// time.Now.
	Now func() time.Time
}

// scope is the instrumentation scope name of every meter and tracer.
const scope = "github.com/driive/keyauth/middleware/otelauth"

func (o Options) meter() metric.Meter {
	mp := o.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return mp.Meter(scope)
}

func (o Options) tracer() trace.Tracer {
	tp := o.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return tp.Tracer(scope)
}
