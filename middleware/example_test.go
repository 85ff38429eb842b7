package middleware_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/memstore"
)

// newExampleService returns a Service on memstore and a write key of
// organization "acme". Real services keep the default hash parameters.
func newExampleService() (*apikey.Service, string) {
	svc, err := apikey.NewService(apikey.Config{
		Store: memstore.New(),
		Hash:  apikey.HashParams{Memory: 8 * 1024, Iterations: 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	_, secret, err := svc.Create(context.Background(), apikey.CreateParams{
		OrgID: "acme", Name: "example", Permission: apikey.Write,
	})
	if err != nil {
		log.Fatal(err)
	}
	return svc, secret.Reveal() // shown to its owner once; never logged
}

func status(h http.Handler, method, target, key string) int {
	r := httptest.NewRequest(method, target, nil)
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

func ExampleNew() {
	svc, key := newExampleService()
	mw, err := middleware.New(middleware.Config{Authenticator: svc, Realm: "example"})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /v1/organizations/{orgId}/whoami", mw.Handler(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			p, _ := apikey.FromContext(r.Context())
			fmt.Println("org:", p.OrgID, "permission:", p.Permission)
		})))
	fmt.Println(status(mux, "GET", "/v1/organizations/acme/whoami", key))
	fmt.Println(status(mux, "GET", "/v1/organizations/acme/whoami", ""))
	fmt.Println(status(mux, "GET", "/v1/organizations/globex/whoami", key))
	// Output:
	// org: acme permission: write
	// 200
	// 401
	// 404
}

// The middleware reads the organization from the {orgId} path value of an
// http.ServeMux pattern, and the permission from the method: GET needs
// read, POST needs write. Require fixes the permission of a route.
func Example_serveMux() {
	svc, writeKey := newExampleService()
	_, readSecret, err := svc.Create(context.Background(), apikey.CreateParams{
		OrgID: "acme", Name: "dashboard", Permission: apikey.Read,
	})
	if err != nil {
		log.Fatal(err)
	}
	readKey := readSecret.Reveal()
	mw, err := middleware.New(middleware.Config{Authenticator: svc})
	if err != nil {
		log.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("/v1/organizations/{orgId}/contacts", mw.Handler(ok))
	// A search sent as POST only reads.
	mux.Handle("POST /v1/organizations/{orgId}/contacts/search", mw.Require(apikey.Read)(ok))

	fmt.Println("read key, GET:", status(mux, "GET", "/v1/organizations/acme/contacts", readKey))
	fmt.Println("read key, POST:", status(mux, "POST", "/v1/organizations/acme/contacts", readKey))
	fmt.Println("write key, POST:", status(mux, "POST", "/v1/organizations/acme/contacts", writeKey))
	fmt.Println("read key, POST search:", status(mux, "POST", "/v1/organizations/acme/contacts/search", readKey))
	// Output:
	// read key, GET: 200
	// read key, POST: 403
	// write key, POST: 200
	// read key, POST search: 200
}

// Mounting the middleware on a route without {orgId} is a mistake: the
// request names no organization, so no key matches it and every request
// is refused with 404. The middleware fails closed instead of letting a key
// reach another organization's data. Routes that are not scoped to an
// organization say so with Config.Org.
func Example_incorrect() {
	svc, key := newExampleService()
	mw, err := middleware.New(middleware.Config{Authenticator: svc})
	if err != nil {
		log.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("GET /v1/whoami", mw.Handler(ok)) // incorrect: no {orgId}
	fmt.Println("without {orgId}:", status(mux, "GET", "/v1/whoami", key))

	unscoped, err := middleware.New(middleware.Config{
		Authenticator: svc,
		Org:           func(*http.Request) (string, bool) { return "", false },
	})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("GET /v1/me", unscoped.Handler(ok)) // correct: declared unscoped
	fmt.Println("declared unscoped:", status(mux, "GET", "/v1/me", key))
	// Output:
	// without {orgId}: 404
	// declared unscoped: 200
}
