package sqlstore

import (
	"errors"
	"fmt"
	"time"
)

// timeArg is t as a statement argument: NULL for the zero time, a UTC
// time.Time on PostgreSQL and MySQL, microseconds since the Unix epoch on
// SQLite (see migrations/sqlite).
func (s *Store) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	if s.d == SQLite {
		return t.UnixMicro()
	}
	return t
}

// errTimeAsText: a MySQL connection without parseTime=true returns
// DATETIME columns as text.
var errTimeAsText = errors.New("sqlstore: the database returned a time as text; a MySQL DSN needs parseTime=true")

// timeCol scans a nullable time column of any dialect into a UTC
// time.Time (zero for NULL).
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		*c.t = v.UTC()
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case []byte, string:
		return errTimeAsText
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	return nil
}
