package apikey

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the Service and by every Store. Match them with
// errors.Is; the returned errors may wrap them with more detail.
var (
	// ErrInvalidKey: the text is not a key of this deployment, its checksum
	// is wrong, no key has its id, or its secret is wrong.
	ErrInvalidKey = errors.New("apikey: invalid key")
	// ErrKeyExpired: the secret is right and the key has expired.
	ErrKeyExpired = errors.New("apikey: key expired")
	// ErrKeyRevoked: the secret is right and the key has been revoked.
	ErrKeyRevoked = errors.New("apikey: key revoked")
	// ErrUnavailable: the store could not be reached, too many key hashes
	// were waiting, or the Service is closed; the caller may try again
	// later (or elsewhere). It never means the key is wrong.
	ErrUnavailable = errors.New("apikey: authentication unavailable")
	// ErrCorruptHash: the stored hash of a key cannot be used.
	ErrCorruptHash = errors.New("apikey: corrupt stored hash")
	// ErrAlreadyRotated: the key was rotated before; rotate its
	// replacement instead. A second rotation would cut the replacement's
	// grace short.
	ErrAlreadyRotated = errors.New("apikey: key already rotated")
	// ErrNotFound: no such key, or it belongs to another organization.
	ErrNotFound = errors.New("apikey: not found")
	// ErrAlreadyExists: a key with this id is already stored.
	ErrAlreadyExists = errors.New("apikey: already exists")
	// ErrInvalidArgument: a value passed to the Service breaks a rule (org
	// id, name, permission, expiry, grace, cursor). The Service returns it
	// as an [*ArgumentError], which names the field.
	ErrInvalidArgument = errors.New("apikey: invalid argument")
	// ErrSchemaOutdated: the store's schema is missing or older than this
	// code needs. It is no outage and does not pass by itself: the error
	// names the migrations to apply. The Service passes it through
	// unchanged (never as ErrUnavailable), and the middleware answers it
	// 500 internal_error.
	ErrSchemaOutdated = errors.New("apikey: store schema missing or outdated")
	// ErrCursorExpired is returned by Store.Changes when the cursor is older
	// than the changes the store still keeps. The Service then forgets every
	// cached key and starts again from the store's current position.
	ErrCursorExpired = errors.New("apikey: change cursor expired")
	// ErrClosed is what Authenticate returns once Service.Close has been
	// called. It matches ErrUnavailable (the middleware answers 503 with
	// Retry-After): the request may be retried on an instance that is not
	// shutting down.
	ErrClosed = fmt.Errorf("%w: the service is closed", ErrUnavailable)
)

// ArgumentError is a value passed to the Service that breaks a rule. It
// matches [ErrInvalidArgument] with errors.Is; use errors.As to learn which
// field, for a form or an API answer. Its text never includes the value,
// which may be a key pasted in the wrong place.
type ArgumentError struct {
	// Field names the argument: "org_id", "name", "permission",
	// "expires_at", "id", "grace", "limit", "cursor" or "prefix".
	Field string
	// Reason says what the rule is, for a person ("name must be 1-100
	// printable characters"); it is the text of Error after its
	// "apikey: invalid argument: " start.
	Reason string
}

func (e *ArgumentError) Error() string { return "apikey: invalid argument: " + e.Reason }

// Is reports whether target is ErrInvalidArgument.
func (e *ArgumentError) Is(target error) bool { return target == ErrInvalidArgument }

// UnavailableError is an [ErrUnavailable] that knows when to try again:
// the key's argon2id run is queued behind others (after a restart, many
// keys arrive at once) and goes on after the request gave up, so a retry
// after RetryAfter should find the key verified. It matches
// ErrUnavailable with errors.Is; the middleware sends RetryAfter, rounded
// down to whole seconds, as the Retry-After header.
type UnavailableError struct {
	// RetryAfter is the Service's estimate of when the key's run will be
	// done, from now: the runs queued ahead of it over the slots, times
	// the recent time of one run. It leans early: a retry that comes a
	// little before the run ends waits for it (up to Config.HashWait).
	RetryAfter time.Duration
	// Reason says why the request was not answered now, for a person.
	Reason string
}

func (e *UnavailableError) Error() string {
	return "apikey: authentication unavailable: " + e.Reason
}

// Is reports whether target is ErrUnavailable.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

func argErr(field, reason string) error { return &ArgumentError{Field: field, Reason: reason} }
