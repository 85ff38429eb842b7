package sqlstore

import (
	"errors"
	"testing"

	"github.com/driive/keyauth/apikey"
)

// FuzzParseCursor: any text either parses into a cursor that prints back
// the same way, or is refused with ErrInvalidArgument; nothing panics.
func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", "0", "12", "12:3@1700000000", "12:3@1,4@1,11@2", "x", "5:7@1", "-1", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCursor(s)
		if err != nil {
			if !errors.Is(err, apikey.ErrInvalidArgument) {
				t.Fatalf("parseCursor(%q) = %v, not ErrInvalidArgument", s, err)
			}
			return
		}
		again, err := parseCursor(c.String())
		if err != nil || again.String() != c.String() {
			t.Fatalf("%q -> %q -> %q, %v", s, c.String(), again.String(), err)
		}
		for i, g := range c.gaps {
			if g.seq >= c.high || (i > 0 && g.seq <= c.gaps[i-1].seq) {
				t.Fatalf("parseCursor(%q) accepted gaps out of order: %+v", s, c)
			}
		}
	})
}

func FuzzSplitStatements(f *testing.F) {
	f.Add("-- c\nCREATE TABLE t (x INT);\nINSERT INTO t VALUES (1);\n")
	f.Add("SELECT 1")
	f.Fuzz(func(t *testing.T, s string) {
		for _, stmt := range splitStatements(s) {
			if stmt == "" {
				t.Fatalf("empty statement from %q", s)
			}
		}
	})
}

func FuzzCheckMySQLDSN(f *testing.F) {
	f.Add("root@tcp(127.0.0.1:3306)/keyauth?parseTime=true")
	f.Add("u@/db?loc=Local&parseTime=1")
	f.Fuzz(func(t *testing.T, s string) { _ = CheckMySQLDSN(s) })
}
