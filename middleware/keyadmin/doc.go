// Package keyadmin serves the key-management side of keyauth for a host's
// own users: a JSON management API and the "Developer > API Keys" page of
// the help article whose steps docs/api-keys-page.md lists (create a key
// shown once, the table, rotate with a grace period, revoke with a
// confirmation, the activity list), for one organization per request.
//
// The package knows no passwords. The host passes Config.Actor, which
// turns a request into an [Actor] (its session, its SSO, HTTP Basic) or
// refuses it, and Config.Authorize, which says whether that actor may
// [View], [Create], [Rotate] or [Revoke] the keys of an organization. A
// request without an actor gets 401 problem+json from the API, and
// Config.SignIn (for example a redirect to the host's sign-in form) on the
// page; an actor without the right gets 403.
//
// Mount the handlers under an http.ServeMux pattern that holds the
// organization as {orgId} (or set Config.Org):
//
//	adm, err := keyadmin.New(keyadmin.Config{Service: svc, Actor: actor, Authorize: may})
//	...
//	mux.Handle("/admin/v1/organizations/{orgId}/", adm.API())
//	mux.Handle("/organizations/{orgId}/developer/api-keys", adm.Page())
//	mux.Handle("/organizations/{orgId}/developer/api-keys/", adm.Page())
//
// The handler finds its own links from the pattern that matched, so any
// prefix works; a Handler mounted whole serves the page at the pattern
// and the API under its api/ segment.
//
// The API, below its mount: GET api-keys (limit 1-100, cursor; oldest
// first), POST api-keys, GET api-keys/{id}, POST api-keys/{id}/rotate,
// POST api-keys/{id}/revoke, GET audit-events (newest first). Errors are
// RFC 9457 problem+json with a "code" member from the middleware's
// vocabulary plus validation_failed, not_found and forbidden.
//
// Security: every state-changing request passes
// [net/http.CrossOriginProtection], so a form or fetch from another site is
// refused (403); every answer carries a strict Content-Security-Policy,
// X-Frame-Options DENY, nosniff and Referrer-Policy same-origin; every
// answer that shows a key is Cache-Control: no-store. A key's text is in
// exactly one answer: the API's answer to create or rotate, or, on the
// page, the one GET that follows the POST (POST-redirect-GET through a
// one-time, server-side flash): a reload, the back button or a second tab
// never mints a second key and never shows the text again. Flashes live in
// the Handler's memory, so behind a load balancer the redirect must reach
// the same instance, unless Config.FlashKey is set: then the flash is a
// cookie sealed with AES-256-GCM under that key, which any instance that
// shares it opens, once (the answer that opens it deletes it).
//
// Every create, rotate and revoke runs with the actor and the client
// address (Config.ClientAddr) in its context, so the Service records it in
// the audit trail in the same transaction as the change.
//
// Restyling: the page works without JavaScript and takes its colours,
// fonts and radii from CSS custom properties on :root (--primary, --bg,
// --surface, --text, --font, --radius, ...). A host restyles it by
// naming a stylesheet of its own in Config.Stylesheet, linked after the
// embedded one, that overrides them; the templates are not replaceable.
package keyadmin
