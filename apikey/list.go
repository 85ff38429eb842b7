package apikey

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// ListOptions selects a page of keys.
type ListOptions struct {
	Limit  int    // 1-1000; 0 means 50
	Cursor string // from Page.NextCursor; "" for the first page
}

// Page is one page of keys, oldest first.
type Page struct {
	Keys       []Key
	NextCursor string // "" on the last page
}

// List returns one page of an organization's keys, ordered by creation.
func (s *Service) List(ctx context.Context, orgID string, opt ListOptions) (Page, error) {
	if err := validateOrg(orgID); err != nil {
		return Page{}, err
	}
	if opt.Limit == 0 {
		opt.Limit = 50
	}
	if opt.Limit < 1 || opt.Limit > 1000 {
		return Page{}, argErr("limit", "limit must be 1-1000")
	}
	after, err := decodeCursor(opt.Cursor)
	if err != nil {
		return Page{}, err
	}
	keys, err := s.store.List(ctx, ListQuery{OrgID: orgID, After: after, Limit: opt.Limit + 1})
	if err != nil {
		return Page{}, s.storeErr("listing keys", err)
	}
	var page Page
	if len(keys) > opt.Limit {
		keys = keys[:opt.Limit]
		last := keys[len(keys)-1]
		page.NextCursor = encodeCursor(Position{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	page.Keys = keys
	return page, nil
}

// A cursor is base64url of "<created unix µs>.<id>.<checksum>". The
// checksum (the key format's CRC-32) catches a cursor that was edited or
// cut; it is no secret, and needs none: a forged cursor only moves the page
// start within the caller's own organization.
func encodeCursor(p Position) string {
	body := strconv.FormatInt(p.CreatedAt.UnixMicro(), 10) + "." + p.ID
	sum := checksum(body)
	return base64.RawURLEncoding.EncodeToString([]byte(body + "." + string(sum[:])))
}

func decodeCursor(c string) (Position, error) {
	if c == "" {
		return Position{}, nil
	}
	bad := argErr("cursor", "malformed cursor")
	if len(c) > 80 {
		return Position{}, bad
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil {
		return Position{}, bad
	}
	i := strings.LastIndexByte(string(b), '.')
	if i < 0 {
		return Position{}, bad
	}
	body, sum := string(b[:i]), string(b[i+1:])
	us, id, ok := strings.Cut(body, ".")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || n < 0 || !validID(id) || !validChecksum(body, sum) {
		return Position{}, bad
	}
	p := Position{CreatedAt: time.UnixMicro(n).UTC(), ID: id}
	if encodeCursor(p) != c {
		return Position{}, bad // "+5", "007": only the spelling we issue
	}
	return p, nil
}
