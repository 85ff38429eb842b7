// Package web serves the Driive example's "Developer > API Keys" page: the
// screen of the help-center article "API Keys" (docs/api-keys-page.md)
// where an administrator creates a key (shown once), sees the
// organization's keys and revokes them.
//
// [New] returns an http.Handler for everything under /developer/. Mount it
// on the server's mux:
//
//	h, err := web.New(web.Config{Service: svc, AdminPassword: pw, Logger: log})
//	...
//	mux.Handle("/developer/", h)
//
// The page sits behind a sign-in with the admin password; sessions live in
// memory, so a restart signs everyone out. Pages are rendered on the server
// with html/template and work without JavaScript; a small embedded script
// only adds the Copy button and in-page dialogs. Every request passes
// through [net/http.CrossOriginProtection], so a form posted from another
// site is refused, and the session cookie is SameSite=Lax as a second line.
//
// The plaintext of a new key appears in exactly one place: the body of the
// response to the create request, sent with Cache-Control: no-store. It is
// never stored, logged, put in a URL or in a cookie.
package web
