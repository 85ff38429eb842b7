package keyadmin

import (
	"context"

	"github.com/driive/keyauth/apikey"
)

// withActor returns ctx carrying the actor and the client address, which
// the Service records in the audit trail with every change.
func withActor(ctx context.Context, a Actor, addr string) context.Context {
	return apikey.WithActor(ctx, apikey.Actor{ID: a.ID, Name: a.Name, Addr: addr})
}

// createdBy is who created k, or nil when that is not known (keys created
// before the audit trail existed, or without an actor).
func createdBy(k apikey.Key) *actorJSON {
	if k.CreatedBy.ID == "" && k.CreatedBy.Name == "" {
		return nil
	}
	return &actorJSON{ID: k.CreatedBy.ID, Name: k.CreatedBy.Name}
}

// creatorName is the name of who created k, "" if unknown.
func creatorName(k apikey.Key) string {
	if k.CreatedBy.Name != "" {
		return k.CreatedBy.Name
	}
	return k.CreatedBy.ID
}

var errAlreadyRotated = apikey.ErrAlreadyRotated
