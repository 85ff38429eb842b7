package apikey_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

// exampleService returns a Service with cheap hashing, as the examples
// need no real protection.
func exampleService() *apikey.Service {
	svc, err := apikey.NewService(apikey.Config{
		Store: memstore.New(),
		Hash:  apikey.HashParams{Memory: 8 * 1024, Iterations: 1},
	})
	if err != nil {
		panic(err)
	}
	return svc
}

func ExampleService_Create() {
	ctx := context.Background()
	svc := exampleService()

	key, secret, err := svc.Create(ctx, apikey.CreateParams{
		OrgID:      "acme",
		Name:       "CI deploy",
		Permission: apikey.Write,
		ExpiresAt:  time.Now().Add(90 * 24 * time.Hour),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Show secret.Reveal() to the user once; it is never stored. Printed
	// or logged, the Secret redacts itself.
	fmt.Println(secret)
	fmt.Println(apikey.Pattern.MatchString(secret.Reveal()))
	fmt.Println(key.Name, key.Permission, key.Prefix == "dk_"+key.ID)
	// Output:
	// [REDACTED]
	// true
	// CI deploy write true
}

func ExampleService_Authenticate() {
	ctx := context.Background()
	svc := exampleService()
	go svc.Run(ctx) // change feed and last-used writes
	defer svc.Close(ctx)

	_, secret, _ := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "reporting", Permission: apikey.Read})

	p, err := svc.Authenticate(ctx, secret.Reveal())
	fmt.Println(p.OrgID, p.Name, p.Permission, err)

	_, err = svc.Authenticate(ctx, "dk_not_a_key")
	fmt.Println(errors.Is(err, apikey.ErrInvalidKey))

	svc.Revoke(ctx, "acme", p.KeyID)
	_, err = svc.Authenticate(ctx, secret.Reveal())
	fmt.Println(errors.Is(err, apikey.ErrKeyRevoked))
	// Output:
	// acme reporting read <nil>
	// true
	// true
}

func ExampleService_Rotate() {
	ctx := context.Background()
	svc := exampleService()
	old, oldSecret, _ := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "billing", Permission: apikey.Write})

	// The old key keeps working for a day; revoke it instead if it leaked.
	key, secret, err := svc.Rotate(ctx, apikey.RotateParams{OrgID: "acme", ID: old.Prefix, Grace: 24 * time.Hour})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, errOld := svc.Authenticate(ctx, oldSecret.Reveal())
	_, errNew := svc.Authenticate(ctx, secret.Reveal())
	fmt.Println(key.Name, key.Permission, errOld, errNew)
	// Output: billing write <nil> <nil>
}

func ExampleService_List() {
	ctx := context.Background()
	svc := exampleService()
	for _, name := range []string{"one", "two", "three"} {
		svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: name, Permission: apikey.Read})
	}
	var opt apikey.ListOptions
	opt.Limit = 2
	for {
		page, err := svc.List(ctx, "acme", opt)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, k := range page.Keys {
			fmt.Println(k.Name)
		}
		if page.NextCursor == "" {
			break
		}
		opt.Cursor = page.NextCursor
	}
	// Output:
	// one
	// two
	// three
}

func ExampleParse() {
	id, err := apikey.Parse("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQET")
	fmt.Println(id, err)
	_, err = apikey.Parse("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy1lfQEU")
	fmt.Println(err)
	// Output:
	// AbCdEfGhIjKl <nil>
	// apikey: invalid key
}

func ExamplePatternFor() {
	re, _ := apikey.PatternFor("acme")
	fmt.Println(re)
	// Output: ^acme_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$
}

// AuthenticatePath tells the cached path's answers from the cold path's,
// for metrics: the first request for a key runs argon2id, the next ones
// are answered from the cache.
func ExampleService_AuthenticatePath() {
	ctx := context.Background()
	svc := exampleService()
	defer svc.Close(ctx)
	_ = svc.Sync(ctx) // a fresh change feed: cached keys are trusted

	_, secret, _ := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "reporting", Permission: apikey.Read})
	for _, key := range []string{secret.Reveal(), secret.Reveal(), "not-a-key"} {
		_, path, err := svc.AuthenticatePath(ctx, key)
		fmt.Println(path, err)
	}
	// Output:
	// cold <nil>
	// cached <nil>
	// none apikey: invalid key
}
