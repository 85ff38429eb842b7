package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

// A Service on a memstore: create a key, authenticate with it, revoke it.
func Example() {
	ctx := context.Background()
	svc, err := apikey.NewService(apikey.Config{
		Store: memstore.New(),
		// Cheap hashing keeps the example fast; keep the default in production.
		Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close(ctx)

	key, secret, err := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "CI deploys", Permission: apikey.Write})
	if err != nil {
		log.Fatal(err)
	}
	// secret.Reveal() is what the key's owner copies, once.
	p, err := svc.Authenticate(ctx, secret.Reveal())
	fmt.Println(p.OrgID, p.Permission, p.Name, err)

	if _, err := svc.Revoke(ctx, "acme", key.ID); err != nil {
		log.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, secret.Reveal())
	fmt.Println(errors.Is(err, apikey.ErrKeyRevoked))
	// Output:
	// acme write CI deploys <nil>
	// true
}

// Two Services sharing one Store, as two handlers of one process might: a
// revocation made through one reaches the other through the change feed,
// which Sync (or Run, every SyncInterval) reads.
func Example_sharedStore() {
	ctx := context.Background()
	store := memstore.New()
	cfg := apikey.Config{Store: store, Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}}
	admin, err := apikey.NewService(cfg)
	if err != nil {
		log.Fatal(err)
	}
	api, err := apikey.NewService(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := api.Sync(ctx); err != nil {
		log.Fatal(err)
	}

	key, secret, err := admin.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "reporting", Permission: apikey.Read})
	if err != nil {
		log.Fatal(err)
	}
	_, err = api.Authenticate(ctx, secret.Reveal())
	fmt.Println("before revoke:", err)

	if _, err := admin.Revoke(ctx, "acme", key.Prefix); err != nil {
		log.Fatal(err)
	}
	if err := api.Sync(ctx); err != nil {
		log.Fatal(err)
	}
	_, err = api.Authenticate(ctx, secret.Reveal())
	fmt.Println("after revoke:", err)
	// Output:
	// before revoke: <nil>
	// after revoke: apikey: key revoked
}
