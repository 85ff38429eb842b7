package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/sqlstore"
)

// seedHash is a well-formed argon2id hash (m=8 MiB, t=1) for records that
// are never authenticated.
const seedHash = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$" +
	"a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"

var t0 = time.Date(2030, 5, 6, 7, 8, 9, 123456000, time.UTC)

// seedRecord returns a record of org with a 12-character id made of n.
func seedRecord(org string, n int) apikey.Record {
	id := fmt.Sprintf("s%011d", n)
	return apikey.Record{Key: apikey.Key{
		ID: id, OrgID: org, Name: "seed " + id, Prefix: "dk_" + id, Permission: apikey.Read,
		CreatedAt: t0.Add(time.Duration(n) * time.Microsecond),
	}, Hash: seedHash}
}

// bulkInsert writes records many rows per statement: seeding 100,000 keys
// one INSERT at a time would take minutes on SQLite.
func bulkInsert(t testing.TB, db *sql.DB, d sqlstore.Dialect, recs []apikey.Record) {
	t.Helper()
	const rowsPer = 500
	ctx := context.Background()
	for len(recs) > 0 {
		chunk := recs[:min(rowsPer, len(recs))]
		recs = recs[len(chunk):]
		var b strings.Builder
		b.WriteString("INSERT INTO keyauth_keys (id, org_id, name, prefix, permission, hash, created_at) VALUES ")
		args := make([]any, 0, 7*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j := range 7 {
				if j > 0 {
					b.WriteString(", ")
				}
				if d == sqlstore.Postgres {
					fmt.Fprintf(&b, "$%d", 7*i+j+1)
				} else {
					b.WriteString("?")
				}
			}
			b.WriteString(")")
			var created any = r.CreatedAt
			if d == sqlstore.SQLite {
				created = r.CreatedAt.UnixMicro()
			}
			args = append(args, r.ID, r.OrgID, r.Name, r.Prefix, r.Permission.String(), r.Hash, created)
		}
		if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
			t.Fatalf("seeding keys: %v", err)
		}
	}
}

// fastHash keeps argon2id cheap in tests that do not measure it.
var fastHash = apikey.HashParams{Memory: 8 * 1024, Iterations: 1}

// newService returns a Service on store with test hash parameters.
func newService(t testing.TB, store apikey.Store, tweak ...func(*apikey.Config)) *apikey.Service {
	t.Helper()
	cfg := apikey.Config{Store: store, Hash: fastHash}
	for _, f := range tweak {
		f(&cfg)
	}
	svc, err := apikey.NewService(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// run runs svc's background work until the test ends.
func run(t testing.TB, svc *apikey.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// eventually polls cond every 10ms until it holds or within passes.
func eventually(within time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > within {
			return time.Since(start), false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
