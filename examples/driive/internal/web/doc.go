// Package web is the Driive example's admin area around the keyauth
// library's API Keys page and management API (middleware/keyadmin): the
// sign-in with the admin password, the actor function (a session cookie,
// or HTTP Basic "admin" and the password for scripts), the organization
// switcher at /developer/api-keys, and the mounting.
//
// [New] returns one http.Handler for every pattern in [Patterns]:
//
//	h, err := web.New(web.Config{Service: svc, AdminPassword: pw, Logger: log})
//	...
//	for _, p := range web.Patterns {
//		mux.Handle(p, h)
//	}
//
// Sessions live in memory, so a restart signs everyone out. Failed
// sign-ins, by form or by HTTP Basic, are throttled per client address
// and across all addresses. Every state-changing request passes
// [net/http.CrossOriginProtection]; the session cookie is HttpOnly and
// SameSite=Lax as a second line.
package web
