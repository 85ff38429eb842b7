package main

import (
	"context"
	"fmt"
	"time"
)

// resource is one kind of record the API serves (contacts, appointments,
// team members): how its body is decoded and checked, how it is shown and
// how it is stored. The REST routes and the MCP tools are built from it,
// so every resource answers the same way; a new one is its type, its
// rules, its view and its SQL.
type resource[T any] struct {
	path     string // the collection's path segment and list name: "contacts"
	one      string // one record, for messages and tool names: "contact"
	idPrefix string // of new ids: "ct_"
	fields   []field
	// apply applies a body to v (creating, else as a JSON merge patch),
	// noting the broken rules in r.
	apply func(r *rules, b body, v *T, creating bool)
	view  func(T) any
	table table[T]
}

// invalidError is a body that decodes but breaks rules: 422.
type invalidError struct{ errs []fieldError }

func (e *invalidError) Error() string {
	return fmt.Sprintf("validation failed: %d fields", len(e.errs))
}

// The operations below are what both the REST routes and the MCP tools
// call. Their errors: errNoRow (404), *requestError (400), *invalidError
// (422), or a storage error.

func (r *resource[T]) create(ctx context.Context, d *database, org string, b body, now time.Time) (T, error) {
	var v T
	*r.table.base(&v) = record{ID: newID(r.idPrefix), OrgID: org, CreatedAt: now, UpdatedAt: now}
	if err := r.applyBody(b, &v, true); err != nil {
		return v, err
	}
	return v, r.table.insert(ctx, d, &v)
}

func (r *resource[T]) get(ctx context.Context, d *database, org, id string) (T, error) {
	return r.table.get(ctx, d, org, id)
}

// list returns one page, with the cursor of the next one.
func (r *resource[T]) list(ctx context.Context, d *database, c cursors, org string, p page) (listBody[any], error) {
	rows, err := r.table.list(ctx, d, org, p.after, p.limit+1)
	if err != nil {
		return listBody[any]{}, err
	}
	return pageOf(c, r.path, org, p, rows, func(v T) int64 { return r.table.base(&v).seq }, r.view), nil
}

func (r *resource[T]) patch(ctx context.Context, d *database, org, id string, b body, now time.Time) (T, error) {
	return r.table.update(ctx, d, org, id, func(v *T) error {
		if err := r.applyBody(b, v, false); err != nil {
			return err
		}
		r.table.base(v).UpdatedAt = now
		return nil
	})
}

func (r *resource[T]) remove(ctx context.Context, d *database, org, id string, now time.Time) error {
	return r.table.remove(ctx, d, org, id, now)
}

// applyBody applies b to v; read-only members are refused for every
// resource alike.
func (r *resource[T]) applyBody(b body, v *T, creating bool) error {
	var rs rules
	rs.readOnly(b, r.fields)
	r.apply(&rs, b, v, creating)
	if !rs.ok() {
		return &invalidError{rs.errs}
	}
	return nil
}
