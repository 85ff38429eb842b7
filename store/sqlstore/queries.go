package sqlstore

import (
	"strconv"
	"strings"
)

// queries is the SQL of one dialect. Every statement is written by hand
// for its dialect; the arguments each one takes are named beside it.
type queries struct {
	// id, org_id, name, prefix, permission, hash, created_at, expires_at,
	// last_used_at, revoked_at, tag, rotated_at, created_by_id,
	// created_by_name
	insertKey string
	// id -> keyColumns
	getKey string
	// org_id, limit -> listColumns
	listFirst string
	// see listAfterArgs -> listColumns
	listAfter     string
	listAfterArgs func(orgID string, createdAt any, id string, limit int) []any
	// revoked_at, id, org_id
	revoke string
	// tag, id
	setTag string
	// id -> 1 if the key exists
	keyExists string
	// see rotateArgs
	rotate     string
	rotateArgs func(graceUntil, now any, id, orgID string) []any
	// key_id, revoked_at, expires_at, changed_at, rotated_at
	insertChange string
	// org_id, key_id, action, at, actor_id, actor_name, client_addr,
	// new_key_id
	insertEvent string
	// org_id, limit -> eventColumns, newest first
	eventsFirst string
	// org_id, id, limit -> eventColumns of events before id, newest first
	eventsBefore string
	// no arguments -> kind (0: pruned_through, 1: a recent seq), value
	changesHead string
	// seq, limit -> pruned_through, max seq, then seq, key_id, revoked_at,
	// expires_at, rotated_at of each change after seq (NULL when there is
	// none)
	changesAfter string
	// cutoff -> the highest seq that may be pruned (0: none)
	pruneFind string
	// seq, seq
	pruneMark string
	// seq
	pruneDelete string
	// recordUse returns the statement for n uses, recordUseArgs its
	// arguments. Uses come sorted by id so that concurrent flushes lock rows
	// in one order.
	recordUse     func(n int) string
	recordUseArgs func(ids []string, ats []any) []any
}

const (
	keyColumns = "id, org_id, name, prefix, permission, hash, created_at, expires_at, last_used_at, revoked_at, tag, " +
		"rotated_at, created_by_id, created_by_name"
	listColumns = "id, org_id, name, prefix, permission, created_at, expires_at, last_used_at, revoked_at, " +
		"rotated_at, created_by_id, created_by_name"
	eventColumns = "id, org_id, key_id, action, at, actor_id, actor_name, client_addr, new_key_id"
)

// maxUsesPerStatement bounds a RecordUse statement: 1,000 uses take at most
// 4,000 placeholders, well under every dialect's limit.
const maxUsesPerStatement = 1000

// recentSeqs is how many of the newest changes a fresh cursor inspects for
// gaps (changes written but not committed yet).
const recentSeqs = 256

func queriesFor(d Dialect) *queries {
	switch d {
	case Postgres:
		return postgresQueries
	case MySQL:
		return mysqlQueries
	case SQLite:
		return sqliteQueries
	}
	return nil
}

// repeatJoin returns n copies of f(i) joined by sep.
func repeatJoin(n int, sep string, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(f(i))
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

// caseUseArgs are the arguments of the CASE form of recordUse: id, at, at
// for each WHEN, then the ids of the IN list.
func caseUseArgs(ids []string, ats []any) []any {
	args := make([]any, 0, 4*len(ids))
	for i, id := range ids {
		args = append(args, id, ats[i], ats[i])
	}
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// pairUseArgs are the arguments of the VALUES form of recordUse: id, at
// for each use.
func pairUseArgs(ids []string, ats []any) []any {
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		args = append(args, id, ats[i])
	}
	return args
}
