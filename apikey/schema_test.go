package apikey_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// outdatedStore answers every call as a store whose schema is missing.
type outdatedStore struct{ apikey.Store }

var errOutdated = fmt.Errorf("sqlstore: the database has no keyauth schema: %w", apikey.ErrSchemaOutdated)

func (outdatedStore) Create(context.Context, apikey.Record) error { return errOutdated }
func (outdatedStore) Get(context.Context, string) (apikey.Record, error) {
	return apikey.Record{}, errOutdated
}
func (outdatedStore) List(context.Context, apikey.ListQuery) ([]apikey.Key, error) {
	return nil, errOutdated
}
func (outdatedStore) Revoke(context.Context, string, string, time.Time) (apikey.Key, error) {
	return apikey.Key{}, errOutdated
}
func (outdatedStore) Changes(context.Context, string) ([]apikey.Change, string, error) {
	return nil, "", errOutdated
}

// TestSchemaOutdatedPassesThrough: a store whose schema needs migrating is
// no outage: the Service's answers match apikey.ErrSchemaOutdated, with
// the store's message, and never ErrUnavailable.
func TestSchemaOutdatedPassesThrough(t *testing.T) {
	e := newEnv(t)
	k, token := e.key("acme")
	s := newEnv(t, withStore(outdatedStore{e.mem}))
	ctx := context.Background()
	calls := map[string]error{}
	_, calls["Authenticate"] = s.auth(token)
	_, _, calls["Create"] = s.svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "n", Permission: apikey.Read})
	_, calls["Get"] = s.svc.Get(ctx, "acme", k.ID)
	_, calls["List"] = s.svc.List(ctx, "acme", apikey.ListOptions{})
	_, calls["Revoke"] = s.svc.Revoke(ctx, "acme", k.ID)
	calls["Sync"] = s.svc.Sync(ctx)
	for name, err := range calls {
		if !errors.Is(err, apikey.ErrSchemaOutdated) || errors.Is(err, apikey.ErrUnavailable) ||
			!errors.Is(err, errOutdated) {
			t.Errorf("%s: %v; want the store's ErrSchemaOutdated, not ErrUnavailable", name, err)
		}
	}
}
