package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// CheckMySQLDSN reports whether a go-sql-driver/mysql DSN
// ("user:pass@tcp(host:3306)/db?parseTime=true") has what the Store needs:
// parseTime=true, so that DATETIME columns come back as time.Time, and no
// loc other than UTC, so that times are stored in UTC. Call it before
// sql.Open; Migrate checks the open connection as well.
func CheckMySQLDSN(dsn string) error {
	_, query, _ := strings.Cut(dsn, "?")
	parseTime := false
	for param := range strings.SplitSeq(query, "&") {
		k, v, _ := strings.Cut(param, "=")
		switch k {
		case "parseTime":
			parseTime = v == "true" || v == "1" || v == "True" || v == "TRUE"
		case "loc":
			if v != "UTC" {
				return fmt.Errorf("sqlstore: MySQL DSN has loc=%s; keyauth stores UTC times: remove loc or set loc=UTC", v)
			}
		}
	}
	if !parseTime {
		return fmt.Errorf("sqlstore: MySQL DSN lacks parseTime=true, without which DATETIME columns come back as text; add ?parseTime=true")
	}
	return nil
}

// checkMySQLTimes asks the server for a DATETIME(6) and checks that the
// driver returns it as a UTC time.Time with its microseconds.
func checkMySQLTimes(ctx context.Context, conn *sql.Conn) error {
	var v any
	err := conn.QueryRowContext(ctx, "SELECT CAST('2001-02-03 04:05:06.123456' AS DATETIME(6))").Scan(&v)
	if err != nil {
		return wrap("checking the MySQL connection's time handling", err)
	}
	t, ok := v.(time.Time)
	switch {
	case !ok:
		return fmt.Errorf("sqlstore: the MySQL connection returns DATETIME as %T: add parseTime=true to the DSN", v)
	case t.Location() != time.UTC:
		return fmt.Errorf("sqlstore: the MySQL connection reads times in %s: remove loc from the DSN or set loc=UTC", t.Location())
	case !t.Equal(time.Date(2001, 2, 3, 4, 5, 6, 123456000, time.UTC)):
		return fmt.Errorf("sqlstore: the MySQL connection read a DATETIME(6) back as %v", t)
	}
	return nil
}
