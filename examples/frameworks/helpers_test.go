package frameworks_test

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

// newMiddleware returns a Middleware on a memstore Service and a read key
// of organization "acme". Real services keep the default hash parameters.
func newMiddleware() (*middleware.Middleware, string) {
	svc, err := apikey.NewService(apikey.Config{
		Store: memstore.New(),
		Hash:  apikey.HashParams{Memory: 8 * 1024, Iterations: 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	_, secret, err := svc.Create(context.Background(), apikey.CreateParams{
		OrgID: "acme", Name: "example", Permission: apikey.Read,
	})
	if err != nil {
		log.Fatal(err)
	}
	mw, err := middleware.New(middleware.Config{Authenticator: svc})
	if err != nil {
		log.Fatal(err)
	}
	return mw, secret.Reveal() // shown to its owner once; never logged
}

// call sends one request to h and prints the status, the challenge and
// the body.
func call(h http.Handler, method, target, key string) {
	r := httptest.NewRequest(method, target, nil)
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
}
