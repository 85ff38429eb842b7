package main

import (
	"context"
	"fmt"
	"time"

	"github.com/driive/keyauth/apikey"
)

const demoOrg = "demo"

// bootstrapDemoKey creates the demo organization's write key on the first
// start against a database, and never again: the first start claims a row
// in driive_meta, so of two servers starting on one empty database only
// one creates a key. It returns the zero Secret when there is nothing to
// show.
func bootstrapDemoKey(ctx context.Context, d *database, svc *apikey.Service, now time.Time) (apikey.Key, apikey.Secret, error) {
	won, err := d.claimMeta(ctx, metaDemoKey, now.UTC().Format(time.RFC3339))
	if err != nil {
		return apikey.Key{}, apikey.Secret{}, fmt.Errorf("recording the first start: %w", err)
	}
	if !won {
		return apikey.Key{}, apikey.Secret{}, nil
	}
	key, secret, err := svc.Create(ctx, apikey.CreateParams{
		OrgID: demoOrg, Name: "Demo key", Permission: apikey.Write,
	})
	if err != nil {
		// Let the next start try again.
		if derr := d.deleteMeta(context.WithoutCancel(ctx), metaDemoKey); derr != nil {
			err = fmt.Errorf("%w (and clearing the first-start mark: %v)", err, derr)
		}
		return apikey.Key{}, apikey.Secret{}, fmt.Errorf("creating the demo key: %w", err)
	}
	return key, secret, nil
}
