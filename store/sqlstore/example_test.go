package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// A Service on SQLite: open the database with the driver of your choice
// (here github.com/ncruces/go-sqlite3/driver, imported for its side
// effect, which registers "sqlite3"), wrap it in a Store, migrate once at
// start, and hand the Store to the Service. The same code works for
// sqlstore.Postgres (with pgx's "pgx" driver) and sqlstore.MySQL (with a
// DSN that has parseTime=true).
//
// This module imports no driver, so the example is only compiled here;
// internal/testdb/sqlstore runs it on SQLite and checks its output.
func Example() {
	db, err := sql.Open("sqlite3", "file:keys.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
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
}

// Before opening a MySQL database, check its DSN: without parseTime=true
// the driver returns times as text.
func ExampleCheckMySQLDSN() {
	fmt.Println(sqlstore.CheckMySQLDSN("app:secret@tcp(db:3306)/app"))
	fmt.Println(sqlstore.CheckMySQLDSN("app:secret@tcp(db:3306)/app?parseTime=true"))
	// Output:
	// sqlstore: MySQL DSN lacks parseTime=true, without which DATETIME columns come back as text; add ?parseTime=true
	// <nil>
}
