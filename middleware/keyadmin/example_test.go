package keyadmin_test

import (
	"context"
	"crypto/rand"
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

// With Config.FlashKey shared by every instance, the page's redirect after
// Create may reach any of them: the key waits in a sealed cookie instead
// of one instance's memory.
func ExampleConfig_flashKey() {
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		panic(err)
	}
	// The same 32 bytes on every instance, from the host's secret store.
	flashKey := make([]byte, 32)
	if _, err := rand.Read(flashKey); err != nil {
		panic(err)
	}
	instance := func() http.Handler {
		adm, err := keyadmin.New(keyadmin.Config{
			Service:   svc, // in production, each instance's Service over one database
			Actor:     func(*http.Request) (keyadmin.Actor, bool) { return keyadmin.Actor{ID: "u1", Name: "Alice"}, true },
			Authorize: func(context.Context, keyadmin.Actor, string, keyadmin.Action) bool { return true },
			FlashKey:  flashKey,
		})
		if err != nil {
			panic(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/organizations/{orgId}/developer/api-keys", adm.Page())
		return mux
	}
	a, b := instance(), instance()

	// The create form posted to one instance...
	r := httptest.NewRequest("POST", "/organizations/acme/developer/api-keys", strings.NewReader("name=CRM+Sync&permission=read"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	fmt.Println(w.Code)

	// ...and the browser's redirect, with the cookie, reaching the other.
	r = httptest.NewRequest("GET", w.Header().Get("Location"), nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	w = httptest.NewRecorder()
	b.ServeHTTP(w, r)
	fmt.Println(w.Code, strings.Contains(w.Body.String(), `value="dk_`)) // the key, shown once
	// Output:
	// 303
	// 200 true
}
