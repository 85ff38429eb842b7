package sqlstore

import "context"

// MigrateTo applies the migrations up to and including version last, so
// that tests can build a database as an older release left it.
func MigrateTo(ctx context.Context, s *Store, last int) error { return s.migrateTo(ctx, last) }
