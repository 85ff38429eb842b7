package middleware_test

import (
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"

	"github.com/driive/keyauth/middleware"
)

// routerCase is a router with GET and POST on
// /v1/organizations/{orgId}/whoami behind the middleware.
type routerCase struct {
	org   func(*http.Request) (string, bool) // Config.Org; nil: default
	build func(mw *middleware.Middleware) http.Handler
}

func TestRouters(t *testing.T) {
	tests := map[string]routerCase{
		"http.ServeMux": {nil, func(mw *middleware.Middleware) http.Handler {
			m := http.NewServeMux()
			m.Handle("/v1/organizations/{orgId}/whoami", mw.Handler(whoami))
			return m
		}},
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
			e := newEnv(t, nil, func(c *middleware.Config) { c.Org = tc.org })
			h := tc.build(e.mw)
			checkAnswer(t, serve(h, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.read)), 200, "")
			checkAnswer(t, serve(h, request("POST", "/v1/organizations/acme/whoami", "Bearer "+e.write)), 200, "")
			checkAnswer(t, serve(h, request("GET", "/v1/organizations/globex/whoami", "Bearer "+e.read)), 404, "not_found")
			checkAnswer(t, serve(h, request("POST", "/v1/organizations/acme/whoami", "Bearer "+e.read)), 403, "insufficient_permission")
			checkAnswer(t, serve(h, request("GET", "/v1/organizations/acme/whoami")), 401, "missing_api_key")
		})
	}
}

// TestChiRootUse shows why the middleware must not sit on chi's root
// router: it runs before routing, when no path value is set, so every key
// is refused (404) rather than let into another organization.
func TestChiRootUse(t *testing.T) {
	e := newEnv(t, nil, nil)
	r := chi.NewRouter()
	r.Use(e.mw.Handler)
	r.Get("/v1/organizations/{orgId}/whoami", whoami)
	checkAnswer(t, serve(r, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.read)), 404, "not_found")
}
