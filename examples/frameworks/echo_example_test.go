package frameworks_test

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// requireKeyEcho is the whole Echo integration: an echo.MiddlewareFunc for
// the routes that need permission need.
func requireKeyEcho(mw *middleware.Middleware, need apikey.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			p, ref := mw.Check(r.Context(), r.Header.Values("Authorization"), c.Param("orgId"), need)
			if ref != nil {
				ref.Write(c.Response()) // status, WWW-Authenticate, problem+json
				return nil
			}
			c.SetRequest(r.WithContext(apikey.NewContext(r.Context(), p)))
			return next(c)
		}
	}
}

// Example_echo protects Echo routes: the handler reads the caller with
// apikey.FromContext.
func Example_echo() {
	mw, key := newMiddleware()
	e := echo.New()
	org := e.Group("/v1/organizations/:orgId")
	org.GET("/whoami", func(c echo.Context) error {
		p, _ := apikey.FromContext(c.Request().Context())
		return c.String(http.StatusOK, p.Prefix[:3]+" reads "+p.OrgID)
	}, requireKeyEcho(mw, apikey.Read))
	org.POST("/pings", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) },
		requireKeyEcho(mw, apikey.Write))

	call(e, "GET", "/v1/organizations/acme/whoami", "")
	call(e, "GET", "/v1/organizations/acme/whoami", key)
	call(e, "POST", "/v1/organizations/acme/pings", key)
	call(e, "GET", "/v1/organizations/globex/whoami", key)
	// Output:
	// 401 Bearer realm="api" {"type":"about:blank","title":"Unauthorized","status":401,"detail":"This request needs an API key, sent as \"Authorization: Bearer \u003ckey\u003e\".","code":"missing_api_key"}
	// 200  dk_ reads acme
	// 403 Bearer error="insufficient_scope", scope="write" {"type":"about:blank","title":"Forbidden","status":403,"detail":"The API key has read permission; this request needs write permission.","code":"insufficient_permission"}
	// 404  {"type":"about:blank","title":"Not Found","status":404,"detail":"The requested resource was not found.","code":"not_found"}
}
