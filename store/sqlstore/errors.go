package sqlstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/driive/keyauth/apikey"
)

// isUniqueViolation reports whether err is a duplicate-key error of the
// dialect's usual drivers. Drivers are not imported, so it matches what
// they expose: pgx and lib/pq a SQLState method, modernc.org/sqlite a Code
// method, go-sql-driver/mysql and ncruces/go-sqlite3 only their text
// ("Error 1062 ...", "UNIQUE constraint failed").
func isUniqueViolation(d Dialect, err error) bool {
	switch d {
	case Postgres:
		var e interface{ SQLState() string }
		return errors.As(err, &e) && e.SQLState() == "23505"
	case MySQL:
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.HasPrefix(e.Error(), "Error 1062") {
				return true
			}
		}
	case SQLite:
		const constraintPrimaryKey, constraintUnique = 1555, 2067
		var e interface{ Code() int }
		if errors.As(err, &e) {
			return e.Code() == constraintPrimaryKey || e.Code() == constraintUnique
		}
		return strings.Contains(err.Error(), "UNIQUE constraint failed")
	}
	return false
}

// wrap adds what the Store was doing to err.
func wrap(doing string, err error) error {
	return fmt.Errorf("sqlstore: %s: %w", doing, err)
}

// notFound is the error for a key that is not there (or in another org).
func notFound(id string) error {
	return fmt.Errorf("sqlstore: key %s: %w", id, apikey.ErrNotFound)
}
