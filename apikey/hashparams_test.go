package apikey_test

import (
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

// TestDefaultHashParameters: with a zero Config.Hash, a new key is hashed
// with argon2id m=19 MiB, t=2, p=1, a 16-byte salt and a 32-byte key (the
// parameters SECURITY.md states), and the store holds that hash and no
// key text.
func TestDefaultHashParameters(t *testing.T) {
	store := memstore.New()
	svc, err := apikey.NewService(apikey.Config{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	k, secret, err := svc.Create(t.Context(), apikey.CreateParams{OrgID: "acme", Name: "n", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := store.Get(t.Context(), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(rec.Hash, "$")
	// "", "argon2id", "v=19", "m=19456,t=2,p=1", salt, key; unpadded base64.
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=19456,t=2,p=1" ||
		len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("stored hash %q, want argon2id m=19456,t=2,p=1 with a 16-byte salt and a 32-byte key", rec.Hash)
	}
	if strings.Contains(rec.Hash, secret.Reveal()[len(k.Prefix)+1:]) {
		t.Fatal("the stored hash holds the secret")
	}
	if _, err := svc.Authenticate(t.Context(), secret.Reveal()); err != nil {
		t.Fatalf("the key does not authenticate: %v", err)
	}
}
