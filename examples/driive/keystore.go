package main

import (
	"context"
	"database/sql"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// newKeyStore returns the key store on db, its tables migrated.
func newKeyStore(ctx context.Context, db *sql.DB, d dialect) (apikey.Store, error) {
	var sd sqlstore.Dialect
	switch d {
	case dialectPostgres:
		sd = sqlstore.Postgres
	case dialectMySQL:
		sd = sqlstore.MySQL
	default:
		sd = sqlstore.SQLite
	}
	s, err := sqlstore.New(db, sd)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}
