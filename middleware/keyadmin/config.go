package keyadmin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/driive/keyauth/apikey"
)

// Actor is who acts on the page or the API: the host's user, as its
// Config.Actor function names them. ID is what the audit trail keys on;
// Name is what people read.
type Actor struct {
	ID   string
	Name string
}

// Action is what an actor wants to do with an organization's keys.
type Action string

// The actions Config.Authorize is asked about.
const (
	View   Action = "view"   // list and read keys and the activity
	Create Action = "create" // create a key
	Rotate Action = "rotate" // replace a key by a new one
	Revoke Action = "revoke" // end a key
)

// Config configures a [Handler]. Service, Actor and Authorize are
// required; every other field's zero value means the default written
// beside it.
type Config struct {
	// Service manages the keys. Required.
	Service *apikey.Service

	// Actor says who sends the request, or false when nobody is signed
	// in (the API then answers 401, the page runs SignIn). The package
	// knows no passwords: sessions, cookies and HTTP authentication are
	// the host's. Required.
	Actor func(r *http.Request) (Actor, bool)

	// Authorize says whether the actor may do act with the keys of
	// organization org. Refused: 403. It runs on every request, after
	// Actor; return false when the answer cannot be had (a store error),
	// never true. Required.
	Authorize func(ctx context.Context, a Actor, org string, act Action) bool

	// Org returns the organization a request addresses. Default:
	// r.PathValue("orgId") (mount under an http.ServeMux pattern with
	// {orgId}). An empty or malformed organization id answers 404.
	Org func(r *http.Request) string

	// SignIn answers a page request without an actor, for example with a
	// redirect to the host's sign-in form. Default: a 401 page that says
	// to sign in.
	SignIn http.Handler

	// Challenge, if set, is the WWW-Authenticate header of the API's 401
	// answers, for example `Basic realm="admin"`. Default: none.
	Challenge string

	// ClientAddr is the client address the audit trail records for a
	// request. Default: the host part of r.RemoteAddr. Set it when the
	// host sits behind a proxy it trusts; never read a header a client
	// can write without such a proxy.
	ClientAddr func(r *http.Request) string

	// SignOutURL, if set, is where the page's "Sign out" button posts
	// (the host's sign-out). Default: no button.
	SignOutURL string

	// OrgsURL, if set, is where the page's "Switch organization" link
	// leads (the host's list of organizations). Default: no link.
	OrgsURL string

	// Stylesheet, if set, is the URL of a stylesheet the page links after
	// its own: the place to override its CSS custom properties. It must
	// be same-origin (the page's Content-Security-Policy). Default: none.
	Stylesheet string

	// Product names the host in page titles ("API Keys · Driive").
	// Default "API Keys" alone.
	Product string

	// Logger receives failures of the key store and refused cross-origin
	// requests, never a key. Default: discard.
	Logger *slog.Logger

	// FlashKey, if set, is a 32-byte key shared by every instance of the
	// host (for example 32 bytes from crypto/rand, kept with the host's
	// other secrets). With it, a new key waits between the page's POST
	// and the GET that shows it in a cookie sealed with AES-256-GCM under
	// this key, so that the GET may reach any instance behind a load
	// balancer. Default: it waits in this Handler's memory, and the GET
	// must reach the same instance. A changed key drops the keys waiting
	// (for at most five minutes): their creators rotate them.
	FlashKey []byte

	// Now is the clock of the page's dates and of flash lifetimes.
	// Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Service == nil:
		return c, errors.New("keyadmin: Config.Service is nil")
	case c.Actor == nil:
		return c, errors.New("keyadmin: Config.Actor is nil")
	case c.Authorize == nil:
		return c, errors.New("keyadmin: Config.Authorize is nil")
	}
	if c.Org == nil {
		c.Org = func(r *http.Request) string { return r.PathValue("orgId") }
	}
	if c.ClientAddr == nil {
		c.ClientAddr = remoteHost
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for _, b := range []byte(c.Challenge) {
		if b < 0x20 || b > 0x7e {
			return c, errors.New("keyadmin: Config.Challenge must be printable ASCII")
		}
	}
	return c, nil
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
