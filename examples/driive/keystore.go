package main

import (
	"context"
	"database/sql"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

// newKeyStore returns the key store on db, with its tables migrated.
// TODO(sqlstore): memstore until store/sqlstore lands.
func newKeyStore(ctx context.Context, db *sql.DB, d dialect) (apikey.Store, error) {
	return memstore.New(), nil
}
