package otelauth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/otelauth"
	"github.com/driive/keyauth/store/memstore"
)

// A Service whose cold path and store calls are spans, whose Stats are
// instruments, and whose middleware counts and times authentications. A
// real service would give a PeriodicReader and an exporter to the
// MeterProvider, and a batching exporter to the TracerProvider.
func Example() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(ctx)
	o := otelauth.Options{MeterProvider: mp, TracerProvider: tp}

	store, err := otelauth.WrapStore(memstore.New(), o)
	if err != nil {
		log.Fatal(err)
	}
	svc, err := apikey.NewService(apikey.Config{Store: store, ColdPath: otelauth.ColdPathSpans(o)})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close(ctx)
	reg, err := otelauth.RegisterStats(svc, o)
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Unregister()
	auth, err := otelauth.WrapAuthenticator(svc, o)
	if err != nil {
		log.Fatal(err)
	}
	mw, err := middleware.New(middleware.Config{Authenticator: auth})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/organizations/{orgId}/whoami", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello")
	})))

	_, secret, err := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "ci", Permission: apikey.Read})
	if err != nil {
		log.Fatal(err)
	}
	// Run would poll the change feed; one poll makes cached keys trusted.
	if err := svc.Sync(ctx); err != nil {
		log.Fatal(err)
	}
	for _, key := range []string{secret.Reveal(), secret.Reveal(), "not-a-key"} {
		r := httptest.NewRequest("GET", "/v1/organizations/acme/whoami", nil)
		r.Header.Set("Authorization", "Bearer "+key)
		mux.ServeHTTP(httptest.NewRecorder(), r)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && (m.Name == "keyauth.auth.requests" || m.Name == "keyauth.cache.lookups") {
				for _, p := range sum.DataPoints {
					if p.Value > 0 {
						var attrs []string
						for _, kv := range p.Attributes.ToSlice() {
							attrs = append(attrs, string(kv.Key)+"="+kv.Value.String())
						}
						fmt.Println(m.Name, strings.Join(attrs, " "), p.Value)
					}
				}
			}
		}
	}
	// The spans: the Create, the poll, and the first request's cold path
	// with its store read. The cached request made none.
	names := map[trace.SpanID]string{}
	for _, s := range spans.GetSpans() {
		names[s.SpanContext.SpanID()] = s.Name
	}
	for _, s := range spans.GetSpans() {
		if parent, ok := names[s.Parent.SpanID()]; ok {
			fmt.Println("span", s.Name, "in", parent)
		} else {
			fmt.Println("span", s.Name)
		}
	}
	// Unordered output:
	// keyauth.auth.requests outcome=ok path=cold 1
	// keyauth.auth.requests outcome=ok path=cached 1
	// keyauth.auth.requests outcome=invalid path=none 1
	// keyauth.cache.lookups result=hit 1
	// keyauth.cache.lookups result=miss 1
	// span keyauth.store.Create
	// span keyauth.store.Changes
	// span keyauth.store.Get in keyauth.authenticate.cold
	// span keyauth.authenticate.cold
}
