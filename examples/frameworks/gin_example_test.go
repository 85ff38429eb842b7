package frameworks_test

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// requireKey is the whole gin integration: a gin.HandlerFunc for the routes
// that need permission need.
func requireKey(mw *middleware.Middleware, need apikey.Permission) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		p, ref := mw.Check(r.Context(), r.Header.Values("Authorization"), c.Param("orgId"), need)
		if ref != nil {
			ref.Write(c.Writer) // status, WWW-Authenticate, problem+json
			c.Abort()
			return
		}
		c.Request = r.WithContext(apikey.NewContext(r.Context(), p))
		c.Next()
	}
}

// Example_gin protects gin routes: the handler reads the caller with
// apikey.FromContext.
func Example_gin() {
	mw, key := newMiddleware()
	gin.SetMode(gin.ReleaseMode)
	router := gin.New()
	org := router.Group("/v1/organizations/:orgId")
	org.GET("/whoami", requireKey(mw, apikey.Read), func(c *gin.Context) {
		p, _ := apikey.FromContext(c.Request.Context())
		c.String(http.StatusOK, "%s reads %s", p.Prefix[:3], p.OrgID)
	})
	org.POST("/pings", requireKey(mw, apikey.Write), func(c *gin.Context) { c.Status(http.StatusNoContent) })

	call(router, "GET", "/v1/organizations/acme/whoami", "")
	call(router, "GET", "/v1/organizations/acme/whoami", key)
	call(router, "POST", "/v1/organizations/acme/pings", key)
	call(router, "GET", "/v1/organizations/globex/whoami", key)
	// Output:
	// 401 Bearer realm="api" {"type":"about:blank","title":"Unauthorized","status":401,"detail":"This request needs an API key, sent as \"Authorization: Bearer \u003ckey\u003e\".","code":"missing_api_key"}
	// 200  dk_ reads acme
	// 403 Bearer error="insufficient_scope", scope="write" {"type":"about:blank","title":"Forbidden","status":403,"detail":"The API key has read permission; this request needs write permission.","code":"insufficient_permission"}
	// 404  {"type":"about:blank","title":"Not Found","status":404,"detail":"The requested resource was not found.","code":"not_found"}
}
