package main

import (
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

// TestBootstrapOnce starts several servers' bootstraps on one empty
// database at once: exactly one creates the demo key, and later starts
// create none.
func TestBootstrapOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db string) {
		src := mustParseDSN(t, db)
		const starts = 4
		var wg sync.WaitGroup
		secrets := make([]apikey.Secret, starts)
		errs := make([]error, starts)
		var svc0 *apikey.Service
		for i := range starts {
			d, err := openDatabase(t.Context(), src)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			svc, err := apikey.NewService(apikey.Config{Store: d.keys, Hash: cheapHash})
			if err != nil {
				t.Fatal(err)
			}
			svc0 = svc
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, secrets[i], errs[i] = bootstrapDemoKey(t.Context(), d, svc, time.Now())
			}()
		}
		wg.Wait()
		shown := 0
		for i := range starts {
			if errs[i] != nil {
				t.Fatalf("start %d: %v", i, errs[i])
			}
			if secrets[i].Reveal() != "" {
				shown++
			}
		}
		page, err := svc0.List(t.Context(), demoOrg, apikey.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if shown != 1 || len(page.Keys) != 1 || page.Keys[0].Permission != apikey.Write {
			t.Fatalf("%d starts showed a key and demo has %d keys; want exactly one write key", shown, len(page.Keys))
		}
	})
}
