package otelauth_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/otelauth"
	"github.com/driive/keyauth/store/memstore"
)

// A Service whose store calls are spans, whose Stats are instruments, and
// whose middleware counts and times authentications. A real service would
// give a PeriodicReader and an exporter to the MeterProvider, and a
// TracerProvider to the Options.
func Example() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)
	o := otelauth.Options{MeterProvider: mp}

	store, err := otelauth.WrapStore(memstore.New(), o)
	if err != nil {
		log.Fatal(err)
	}
	svc, err := apikey.NewService(apikey.Config{Store: store})
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
						fmt.Println(m.Name, p.Attributes.ToSlice()[0].Value.String(), p.Value)
					}
				}
			}
		}
	}
	// Unordered output:
	// keyauth.auth.requests ok 2
	// keyauth.auth.requests invalid 1
	// keyauth.cache.lookups hit 1
	// keyauth.cache.lookups miss 1
}
