package frameworks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/memstore"
)

// whoami answers 200 when the middleware put a principal in the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if _, ok := apikey.FromContext(r.Context()); !ok {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
})

// TestRouters mounts the middleware on chi and gorilla/mux the ways the
// middleware's documentation names, with a read and a write key of
// "acme": statuses of a pass, another organization, a read key on a write
// method and no key.
func TestRouters(t *testing.T) {
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(p apikey.Permission) string {
		_, s, err := svc.Create(context.Background(), apikey.CreateParams{OrgID: "acme", Name: "t", Permission: p})
		if err != nil {
			t.Fatal(err)
		}
		return s.Reveal()
	}
	read, write := mint(apikey.Read), mint(apikey.Write)
	tests := map[string]struct {
		org   func(*http.Request) (string, bool) // Config.Org; nil: default
		build func(mw *middleware.Middleware) http.Handler
	}{
		// chi v5.5 sets r.PathValue once it has routed, so the default Org
		// works wherever the middleware runs after routing: here, in the
		// sub-router of Route.
		"chi, default Org (PathValue)": {nil, func(mw *middleware.Middleware) http.Handler {
			r := chi.NewRouter()
			r.Route("/v1/organizations/{orgId}", func(r chi.Router) {
				r.Use(mw.Handler)
				r.Get("/whoami", whoami)
				r.Post("/whoami", whoami)
			})
			return r
		}},
		"chi, chi.URLParam with With": {func(r *http.Request) (string, bool) {
			return chi.URLParam(r, "orgId"), true
		}, func(mw *middleware.Middleware) http.Handler {
			r := chi.NewRouter()
			r.With(mw.Handler).Get("/v1/organizations/{orgId}/whoami", whoami)
			r.With(mw.Handler).Post("/v1/organizations/{orgId}/whoami", whoami)
			return r
		}},
		"gorilla/mux, mux.Vars": {func(r *http.Request) (string, bool) {
			return mux.Vars(r)["orgId"], true
		}, func(mw *middleware.Middleware) http.Handler {
			r := mux.NewRouter()
			s := r.PathPrefix("/v1/organizations/{orgId}").Subrouter()
			s.Use(mw.Handler)
			s.Handle("/whoami", whoami).Methods("GET", "POST")
			return r
		}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mw, err := middleware.New(middleware.Config{Authenticator: svc, Org: tc.org})
			if err != nil {
				t.Fatal(err)
			}
			h := tc.build(mw)
			for _, c := range []struct {
				method, path, key string
				want              int
			}{
				{"GET", "/v1/organizations/acme/whoami", read, 200},
				{"POST", "/v1/organizations/acme/whoami", write, 200},
				{"GET", "/v1/organizations/globex/whoami", read, 404},
				{"POST", "/v1/organizations/acme/whoami", read, 403},
				{"GET", "/v1/organizations/acme/whoami", "", 401},
			} {
				r := httptest.NewRequest(c.method, c.path, nil)
				if c.key != "" {
					r.Header.Set("Authorization", "Bearer "+c.key)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != c.want {
					t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.want)
				}
			}
		})
	}
}

// TestChiRootUse shows why the middleware must not sit on chi's root
// router: it runs before routing, when no path value is set, so every key
// is refused (404) rather than let into another organization.
func TestChiRootUse(t *testing.T) {
	svc, err := apikey.NewService(apikey.Config{Store: memstore.New(), Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		t.Fatal(err)
	}
	_, s, err := svc.Create(context.Background(), apikey.CreateParams{OrgID: "acme", Name: "t", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	mw, _ := middleware.New(middleware.Config{Authenticator: svc})
	r := chi.NewRouter()
	r.Use(mw.Handler)
	r.Get("/v1/organizations/{orgId}/whoami", whoami)
	req := httptest.NewRequest("GET", "/v1/organizations/acme/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+s.Reveal())
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != 404 {
		t.Errorf("chi root Use: %d, want 404", rec.Code)
	}
}
