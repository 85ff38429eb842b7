package apikey

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Actor is who makes a change to a key, as the audit trail records it.
// ID is what the host knows the actor by ("u_42", "cli"); Name is for
// people to read; Addr is the client address of an HTTP request, as the
// host sees it ("" for a change made outside HTTP).
type Actor struct {
	ID   string
	Name string
	Addr string
}

type actorKey struct{}

// WithActor returns a copy of ctx that carries a. The Service's Create,
// Rotate and Revoke record the actor of their context in the audit trail
// (the zero Actor when there is none).
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the Actor stored in ctx by WithActor, and false
// if there is none. It never panics.
func ActorFromContext(ctx context.Context) (Actor, bool) {
	if ctx == nil {
		return Actor{}, false
	}
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// Bounds of what the audit trail stores of an actor; longer values are
// cut (on a rune boundary) rather than refused: the change matters more
// than the label.
const (
	maxActorID   = 200
	maxActorName = 200
	maxActorAddr = 100
)

// clean returns a with each field cut to its bound and made valid UTF-8.
func (a Actor) clean() Actor {
	return Actor{ID: cut(a.ID, maxActorID), Name: cut(a.Name, maxActorName), Addr: cut(a.Addr, maxActorAddr)}
}

func cut(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// EventAction is what an audit event records.
type EventAction string

// The actions of the audit trail.
const (
	KeyCreated EventAction = "key.created"
	KeyRotated EventAction = "key.rotated" // KeyID is the key replaced; NewKeyID its replacement
	KeyRevoked EventAction = "key.revoked"
)

// Event is one entry of the audit trail. A Store writes it in the same
// transaction as the change it records.
type Event struct {
	ID       string // assigned by the Store; later events have greater ids within an organization
	At       time.Time
	OrgID    string
	KeyID    string
	Action   EventAction
	Actor    Actor
	NewKeyID string // the replacement, for KeyRotated; "" otherwise
}

// EventQuery selects one page of an organization's events, newest first.
type EventQuery struct {
	OrgID  string
	Before string // an event id: only older events; "" from the newest
	Limit  int    // at least 1
}

// EventPage is one page of events, newest first.
type EventPage struct {
	Events     []Event
	NextCursor string // "" on the last page
}

// Events returns one page of an organization's audit trail, newest first.
func (s *Service) Events(ctx context.Context, orgID string, opt ListOptions) (EventPage, error) {
	if err := validateOrg(orgID); err != nil {
		return EventPage{}, err
	}
	if opt.Limit == 0 {
		opt.Limit = 50
	}
	if opt.Limit < 1 || opt.Limit > 1000 {
		return EventPage{}, fmt.Errorf("%w: limit must be 1-1000", ErrInvalidArgument)
	}
	before, err := decodeEventCursor(opt.Cursor)
	if err != nil {
		return EventPage{}, err
	}
	events, err := s.store.Events(ctx, EventQuery{OrgID: orgID, Before: before, Limit: opt.Limit + 1})
	if err != nil {
		return EventPage{}, s.storeErr("listing events", err)
	}
	var page EventPage
	if len(events) > opt.Limit {
		events = events[:opt.Limit]
		page.NextCursor = encodeEventCursor(events[len(events)-1].ID)
	}
	page.Events = events
	return page, nil
}

// An event cursor is base64url of "e.<event id>.<checksum>", checked like
// a key cursor.
func encodeEventCursor(id string) string {
	body := "e." + id
	sum := checksum(body)
	return base64.RawURLEncoding.EncodeToString([]byte(body + "." + string(sum[:])))
}

func decodeEventCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	bad := fmt.Errorf("%w: malformed cursor", ErrInvalidArgument)
	if len(c) > 120 {
		return "", bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil {
		return "", bad
	}
	i := strings.LastIndexByte(string(b), '.')
	if i < 0 {
		return "", bad
	}
	body, sum := string(b[:i]), string(b[i+1:])
	id, ok := strings.CutPrefix(body, "e.")
	if !ok || id == "" || len(id) > 64 || !validChecksum(body, sum) || encodeEventCursor(id) != c {
		return "", bad
	}
	return id, nil
}

// withCleanActor puts the context's actor back in it cut to the audit
// trail's bounds, so the Store records what the key's CreatedBy holds,
// and returns that actor without its address.
func withCleanActor(ctx context.Context) (context.Context, Actor) {
	a, ok := ActorFromContext(ctx)
	if !ok {
		return ctx, Actor{}
	}
	a = a.clean()
	return WithActor(ctx, a), Actor{ID: a.ID, Name: a.Name}
}
