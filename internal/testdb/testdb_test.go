package testdb_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/driive/keyauth/internal/testdb"
)

func TestDatabases(t *testing.T) {
	for name, open := range map[string]func(testing.TB) (string, *sql.DB){
		"postgres": testdb.PostgresDSN,
		"mysql":    testdb.MySQLDSN,
		"sqlite":   testdb.SQLiteDSN,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn1, db1 := open(t)
			dsn2, db2 := open(t)
			if dsn1 == dsn2 {
				t.Fatalf("two calls gave the same database %q", dsn1)
			}
			ctx := context.Background()
			if _, err := db1.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
				t.Fatal(err)
			}
			// The second database is fresh: the table does not exist there.
			if _, err := db2.ExecContext(ctx, "INSERT INTO t (x) VALUES (1)"); err == nil {
				t.Fatal("the second database shares the first one's tables")
			}
			if _, err := db1.ExecContext(ctx, "INSERT INTO t (x) VALUES (1)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
