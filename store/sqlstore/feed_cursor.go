package sqlstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/driive/keyauth/apikey"
)

// cursor is a position in the change feed: every change up to high has
// been returned, except the sequence numbers in gaps, which were skipped
// because they were not visible yet (a transaction had taken the number
// but not committed) or will never be (it rolled back).
//
// Its text form is "high" or "high:seq@seen,seq@seen" with seen in Unix
// seconds, when the gap was first noticed.
type cursor struct {
	high int64
	gaps []gap // ascending seq, all below high
}

type gap struct {
	seq  int64
	seen int64 // unix seconds
}

// maxGaps bounds a cursor. More gaps than this (a burst of rolled-back
// writes) ends the cursor: the Service then starts over, which is safe.
const maxGaps = 1000

func (c cursor) String() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(c.high, 10))
	for i, g := range c.gaps {
		if i == 0 {
			b.WriteByte(':')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(g.seq, 10))
		b.WriteByte('@')
		b.WriteString(strconv.FormatInt(g.seen, 10))
	}
	return b.String()
}

func parseCursor(s string) (cursor, error) {
	bad := func() (cursor, error) {
		return cursor{}, fmt.Errorf("sqlstore: change cursor %q: %w", s, apikey.ErrInvalidArgument)
	}
	head, rest, hasGaps := strings.Cut(s, ":")
	high, err := strconv.ParseInt(head, 10, 64)
	if err != nil || high < 0 {
		return bad()
	}
	c := cursor{high: high}
	if !hasGaps {
		return c, nil
	}
	parts := strings.Split(rest, ",")
	if len(parts) > maxGaps {
		return bad()
	}
	for _, p := range parts {
		seqText, seenText, ok := strings.Cut(p, "@")
		seq, err1 := strconv.ParseInt(seqText, 10, 64)
		seen, err2 := strconv.ParseInt(seenText, 10, 64)
		if !ok || err1 != nil || err2 != nil || seq < 1 || seq >= high ||
			(len(c.gaps) > 0 && seq <= c.gaps[len(c.gaps)-1].seq) {
			return bad()
		}
		c.gaps = append(c.gaps, gap{seq, seen})
	}
	return c, nil
}
