package sqlstore

import (
	"context"
	"fmt"

	"github.com/driive/keyauth/internal/sqlhook"
)

func init() {
	sqlhook.MigrateTo = func(ctx context.Context, store any, last int) error {
		s, ok := store.(*Store)
		if !ok {
			return fmt.Errorf("sqlstore: MigrateTo on a %T, want a *Store", store)
		}
		return s.migrateTo(ctx, last)
	}
}
