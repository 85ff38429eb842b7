package apikey

import "errors"

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
	// ErrUnavailable: the store could not be reached, or too many key
	// hashes were waiting; the caller may try again later.
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
	// id, name, permission, expiry, grace, cursor).
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
)
