package sqlstore_test

import (
	"database/sql"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
	"github.com/driive/keyauth/store/storetest"
)

func TestStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, dialect sqlstore.Dialect, open func(testing.TB) (string, *sql.DB)) {
		storetest.Run(t, func(t *testing.T) apikey.Store {
			s, _ := newStore(t, dialect, open)
			return s
		})
	})
}
