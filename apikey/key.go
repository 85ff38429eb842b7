package apikey

import (
	"log/slog"
	"time"
)

// Key is what the store keeps about a key, less its hash. Unset times are
// the zero time.Time; every set time is in UTC with microsecond precision.
type Key struct {
	ID         string     // 12 base62 characters; public
	OrgID      string     // the organization the key belongs to
	Name       string     // the label given at creation
	Prefix     string     // display prefix: "dk_" + ID
	Permission Permission // Read or Write
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never expires
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: not revoked
	// RotatedAt is when the key was replaced by Rotate (its expiry then
	// became the end of the grace period); zero: never rotated.
	RotatedAt time.Time
	// CreatedBy is the actor of the context the key was created in (see
	// WithActor), without its Addr; zero when unknown.
	CreatedBy Actor
}

// Rotated reports whether the key has been replaced by a rotation.
func (k Key) Rotated() bool { return !k.RotatedAt.IsZero() }

// Revoked reports whether the key has been revoked.
func (k Key) Revoked() bool { return !k.RevokedAt.IsZero() }

// Expired reports whether the key has expired at now: a key expires at its
// expiry instant.
func (k Key) Expired(now time.Time) bool {
	return !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)
}

// Record is a Key with its argon2id hash and check tag, as a Store holds
// it.
type Record struct {
	Key
	Hash string // encoded argon2id hash of the whole key text
	// Tag is a short check value of the whole key text (at most 64 ASCII
	// characters; see tag.go), compared before argon2id runs so that a
	// wrong secret costs a SHA-256 instead. Empty for a row written before
	// tags existed: the Service verifies it with argon2id alone and writes
	// its tag (Store.SetTag) on its first successful verification.
	Tag string
}

// Principal is who an authenticated request acts as.
type Principal struct {
	KeyID      string
	OrgID      string
	Permission Permission
	Name       string
	Prefix     string
	// ExpiresAt is when the key stops working (zero: never), and
	// RotatedAt when it was replaced (zero: it was not), as this Service
	// knows them when it authenticates the request: the middleware
	// announces both to the client (Deprecation and Sunset headers).
	ExpiresAt time.Time
	RotatedAt time.Time
}

// Secret holds the plaintext of a newly minted key. It is shown once: it
// redacts itself when printed, logged or marshalled, and gives its text only
// to [Secret.Reveal].
type Secret struct {
	// Two pointers deep, so that fmt's reflection over a struct holding a
	// Secret in an unexported field (where String is out of its reach)
	// prints addresses, not the text. One level is not enough: for a verb
	// other than %v (%s, %q, %x ...) fmt reports the pointer as a bad verb
	// and prints what it points to.
	p *secretText
}

type secretText struct{ s *string }

const redacted = "[REDACTED]"

func newSecret(s string) Secret { return Secret{&secretText{&s}} }

// Reveal returns the plaintext key. Show it to its owner once; never log it.
func (s Secret) Reveal() string {
	if s.p == nil || s.p.s == nil {
		return ""
	}
	return *s.p.s
}

// String returns a redaction marker, never the key.
func (Secret) String() string { return redacted }

// GoString returns a redaction marker, never the key.
func (Secret) GoString() string { return "apikey.Secret(" + redacted + ")" }

// LogValue returns a redaction marker, never the key.
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns a redaction marker, never the key.
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns a redaction marker, never the key.
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
