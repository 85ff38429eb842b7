package middleware

import (
	"net/http"
	"strconv"

	"github.com/driive/keyauth/apikey"
)

// LifecycleHeaders sets on h the headers that tell a client its key is
// ending, for the principal of a request the middleware let through:
//
//   - a key that was rotated gets Deprecation (RFC 9745: "@" and the Unix
//     time of the rotation, a structured-field date) and Sunset (RFC 8594:
//     the HTTP-date when it stops working, the end of its grace period);
//   - a key that expires within Config.SunsetWindow gets Sunset.
//
// [Middleware.Handler] calls it unless Config.NoLifecycleHeaders is set;
// a transport that uses [Middleware.Check] calls it itself. A key that is
// neither rotated nor ending soon gets nothing, at no cost.
func (m *Middleware) LifecycleHeaders(h http.Header, p apikey.Principal) {
	if p.RotatedAt.IsZero() && p.ExpiresAt.IsZero() {
		return
	}
	if !p.RotatedAt.IsZero() {
		h.Set("Deprecation", "@"+strconv.FormatInt(p.RotatedAt.Unix(), 10))
	} else if m.sunsetWindow < 0 || p.ExpiresAt.Sub(m.now()) > m.sunsetWindow {
		return
	}
	if !p.ExpiresAt.IsZero() {
		h.Set("Sunset", p.ExpiresAt.UTC().Format(http.TimeFormat))
	}
}
