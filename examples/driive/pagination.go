package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strconv"
)

const (
	defaultLimit = 50
	maxLimit     = 100
)

// cursors issues and checks the opaque list cursors. A cursor is the
// position after which the next page starts (a row's creation sequence
// number), bound to one list of one organization and signed: a cursor the
// server did not issue, or issued for another list, is refused rather than
// read as some other position.
type cursors struct{ key []byte }

const cursorMACLen = 16

func (c cursors) mac(list, org string, seq uint64) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(list))
	m.Write([]byte{0})
	m.Write([]byte(org))
	m.Write([]byte{0})
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seq)
	m.Write(b[:])
	return m.Sum(nil)[:cursorMACLen]
}

func (c cursors) issue(list, org string, seq int64) string {
	var b [8 + cursorMACLen]byte
	pos := uint64(max(seq, 0)) // #nosec G115 -- not negative: clamped at 0
	binary.BigEndian.PutUint64(b[:8], pos)
	copy(b[8:], c.mac(list, org, pos))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (c cursors) check(list, org, cursor string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) != 8+cursorMACLen {
		return 0, false
	}
	seq := binary.BigEndian.Uint64(b[:8])
	if !hmac.Equal(b[8:], c.mac(list, org, seq)) || seq > 1<<62 {
		return 0, false
	}
	return int64(seq), true
}

// page is where a list request starts and how long it is.
type page struct {
	after int64 // sequence number of the last row already seen; 0: start
	limit int
}

// parsePage reads limit and cursor; a bad one is the client's error (400).
func (c cursors) parsePage(r *http.Request, list, org string) (page, error) {
	return c.page(r.URL.Query(), list, org)
}

// page reads limit and cursor from q, the query of a list request or the
// arguments of a list tool.
func (c cursors) page(q url.Values, list, org string) (page, error) {
	p := page{limit: defaultLimit}
	if v := q.Get("limit"); v != "" || q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return page{}, &requestError{msg: "limit must be an integer from 1 to 100"}
		}
		p.limit = n
	}
	// An empty cursor is the first page, like no cursor.
	if v := q.Get("cursor"); v != "" {
		seq, ok := c.check(list, org, v)
		if !ok {
			return page{}, &requestError{msg: "cursor is not one this server issued for this list"}
		}
		p.after = seq
	}
	return p, nil
}

// listBody is the JSON of a list page.
type listBody[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// pageOf cuts rows fetched with limit+1 to one page, with the cursor of
// the next page if there is one.
func pageOf[R any, T any](c cursors, list, org string, p page, rows []R, seq func(R) int64, view func(R) T) listBody[T] {
	out := listBody[T]{Data: make([]T, 0, min(len(rows), p.limit))}
	for i, r := range rows {
		if i == p.limit {
			next := c.issue(list, org, seq(rows[i-1]))
			out.NextCursor = &next
			break
		}
		out.Data = append(out.Data, view(r))
	}
	return out
}
