package apikey

import (
	"context"
	"time"
)

// Store keeps key records. Every method must be safe for concurrent use,
// take its context's deadline into account, and report the sentinel errors
// named below (wrapped as it likes) so that callers can match them with
// errors.Is. Any other error means the store could not answer; the Service
// reports it as [ErrUnavailable].
//
// Times passed in are UTC with microsecond precision; a Store must return
// them exactly.
//
// Create, Revoke and Rotate each record an [Event] of the audit trail in
// the same transaction as their change, with the actor of their context
// ([ActorFromContext]; the zero Actor when there is none): the change and
// its event are stored together or not at all. A Revoke that changes
// nothing records nothing.
//
// store/storetest holds the conformance suite every Store must pass.
type Store interface {
	// Create stores a new record and its KeyCreated event. ErrAlreadyExists
	// if its id is taken.
	Create(ctx context.Context, r Record) error

	// Get returns the record with this id. ErrNotFound if there is none.
	Get(ctx context.Context, id string) (Record, error)

	// List returns up to q.Limit keys of q.OrgID ordered by (CreatedAt, ID),
	// starting after the position q.After (the zero Position: from the
	// start).
	List(ctx context.Context, q ListQuery) ([]Key, error)

	// Revoke sets RevokedAt to at if the key is not revoked yet, and returns
	// the key as stored afterwards (an earlier RevokedAt stays). ErrNotFound
	// if there is no key with this id in this organization. A revocation
	// that changes the row is recorded in the change feed.
	Revoke(ctx context.Context, orgID, id string, at time.Time) (Key, error)

	// Rotate atomically checks that the old key exists in the organization
	// (else ErrNotFound), is not revoked (ErrKeyRevoked) and has not expired
	// at r.Now (ErrKeyExpired) and has not been rotated before
	// (ErrAlreadyRotated); sets its RotatedAt to r.Now and its ExpiresAt to the earlier of its own
	// and r.GraceUntil; and creates r.New (ErrAlreadyExists if its id is
	// taken); and records a KeyRotated event. Either everything happens or
	// nothing. The old key's change is recorded in the change feed. It returns the old key as stored
	// afterwards.
	Rotate(ctx context.Context, r Rotation) (Key, error)

	// RecordUse sets the LastUsedAt of each listed key to the later of its
	// stored value and the given time. Ids that no longer exist are skipped.
	// The batch may be large: a Store splits it into a bounded number of
	// statements.
	RecordUse(ctx context.Context, uses []Use) error

	// SetTag sets the check tag of the key with this id (see
	// [Record.Tag]), replacing any tag it had. ErrNotFound if there is no
	// key with this id. It changes nothing else and is not recorded in the
	// change feed: a tag is not a status.
	SetTag(ctx context.Context, id, tag string) error

	// Changes returns the revocations and expiry changes recorded after
	// cursor, and the cursor to pass next time. The empty cursor means
	// "now": it returns no changes, only the current position. A change may
	// be returned more than once, but none committed after the cursor was
	// handed out may be missed, even when writers commit out of order.
	// ErrCursorExpired if the cursor is older than what the store keeps.
	// A Store answers with a constant number of queries, whatever the
	// number of keys.
	Changes(ctx context.Context, cursor string) ([]Change, string, error)

	// Events returns up to q.Limit events of q.OrgID, newest first, older
	// than the event q.Before ("" from the newest). ErrInvalidArgument if
	// q.Before is not an id this Store issued.
	Events(ctx context.Context, q EventQuery) ([]Event, error)
}

// ListQuery selects one page of an organization's keys.
type ListQuery struct {
	OrgID string
	After Position // zero: from the first key
	Limit int      // at least 1
}

// Position is a place in the (CreatedAt, ID) order of keys.
type Position struct {
	CreatedAt time.Time
	ID        string
}

// IsZero reports whether p is the start of the list.
func (p Position) IsZero() bool { return p.ID == "" && p.CreatedAt.IsZero() }

// Rotation is what Store.Rotate does in one transaction.
type Rotation struct {
	OrgID      string
	OldID      string
	Now        time.Time // the old key must not have expired at Now
	GraceUntil time.Time // the old key's expiry becomes min(its expiry, GraceUntil)
	New        Record
}

// Use is one key's latest use, for Store.RecordUse.
type Use struct {
	ID string
	At time.Time
}

// Change is the state of a key after a change to its revocation or expiry.
type Change struct {
	ID        string
	RevokedAt time.Time // zero: not revoked
	ExpiresAt time.Time // zero: no expiry
	RotatedAt time.Time // zero: not rotated
}
