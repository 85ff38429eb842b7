package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"

	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// The package example of store/sqlstore, run on SQLite with its output
// checked: store/sqlstore's copy of it is only compiled, because that
// module imports no driver.
func Example() {
	dir, err := os.MkdirTemp("", "keyauth")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "keys.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	store, err := sqlstore.New(db, sqlstore.SQLite)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	svc, err := apikey.NewService(apikey.Config{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	key, secret, err := svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "CI", Permission: apikey.Read})
	if err != nil {
		log.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, secret.Reveal())
	fmt.Println(p.OrgID, p.Permission, p.KeyID == key.ID, err)
	// Output: acme read true <nil>
}
