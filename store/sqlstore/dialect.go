package sqlstore

import "fmt"

// Dialect names the SQL a Store speaks.
type Dialect int

// The supported dialects.
const (
	Postgres Dialect = iota + 1 // PostgreSQL 12 or later
	MySQL                       // MySQL 8 or MariaDB 10.6 or later
	SQLite                      // SQLite 3.35 or later
)

// String returns "postgres", "mysql" or "sqlite".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	case SQLite:
		return "sqlite"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

func (d Dialect) valid() bool { return d == Postgres || d == MySQL || d == SQLite }
