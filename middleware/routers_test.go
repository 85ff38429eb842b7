package middleware_test

import (
	"net/http"
	"testing"
)

// TestServeMux mounts the middleware on an http.ServeMux pattern with
// {orgId}, the default Org. chi and gorilla/mux are tested in
// examples/frameworks, so that this module does not require them.
func TestServeMux(t *testing.T) {
	e := newEnv(t, nil, nil)
	h := http.NewServeMux()
	h.Handle("/v1/organizations/{orgId}/whoami", e.mw.Handler(whoami))
	checkAnswer(t, serve(h, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.read)), 200, "")
	checkAnswer(t, serve(h, request("POST", "/v1/organizations/acme/whoami", "Bearer "+e.write)), 200, "")
	checkAnswer(t, serve(h, request("GET", "/v1/organizations/globex/whoami", "Bearer "+e.read)), 404, "not_found")
	checkAnswer(t, serve(h, request("POST", "/v1/organizations/acme/whoami", "Bearer "+e.read)), 403, "insufficient_permission")
	checkAnswer(t, serve(h, request("GET", "/v1/organizations/acme/whoami")), 401, "missing_api_key")
}
