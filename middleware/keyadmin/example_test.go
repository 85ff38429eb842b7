package keyadmin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware/keyadmin"
	"github.com/driive/keyauth/store/memstore"
)

// Mount the API and the page under an http.ServeMux, with a toy actor
// function: a request is "alice" when it says so in a header. A real host
// reads its own session cookie or SSO instead.
func Example() {
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		panic(err)
	}
	adm, err := keyadmin.New(keyadmin.Config{
		Service: svc,
		Actor: func(r *http.Request) (keyadmin.Actor, bool) {
			if r.Header.Get("X-Demo-User") != "alice" {
				return keyadmin.Actor{}, false
			}
			return keyadmin.Actor{ID: "u1", Name: "Alice"}, true
		},
		// Alice manages the keys of organization "acme", and only those.
		Authorize: func(_ context.Context, a keyadmin.Actor, org string, _ keyadmin.Action) bool {
			return a.ID == "u1" && org == "acme"
		},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/v1/organizations/{orgId}/", adm.API())
	mux.Handle("/organizations/{orgId}/developer/api-keys", adm.Page())
	mux.Handle("/organizations/{orgId}/developer/api-keys/", adm.Page())

	post := func(path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Demo-User", "alice")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	w := post("/admin/v1/organizations/acme/api-keys", `{"name":"CRM Sync","permission":"read"}`)
	fmt.Println(w.Code, w.Header().Get("Cache-Control"))
	w = post("/admin/v1/organizations/other/api-keys", `{"name":"CRM Sync","permission":"read"}`)
	fmt.Println(w.Code)
	// Output:
	// 201 no-store
	// 403
}
