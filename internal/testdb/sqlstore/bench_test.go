package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/internal/testdb"
	"github.com/driive/keyauth/store/sqlstore"
)

// BenchmarkScale compares, on PostgreSQL, 1,000 and 100,000 keys in one
// organization: a store lookup by id, a List page from the middle of the
// organization, and a cold Authenticate (store lookup + argon2id with the
// default parameters, on a Service with an empty cache each time). Each
// should cost the same at both sizes: lookups and pages walk an index.
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("postgres/keys=%d", n), func(b *testing.B) {
			ctx := context.Background()
			_, db := testdb.PostgresDSN(b)
			s, err := sqlstore.New(db, sqlstore.Postgres)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			recs := make([]apikey.Record, n)
			for i := range recs {
				recs[i] = seedRecord("big", i)
			}
			bulkInsert(b, db, sqlstore.Postgres, recs)
			if _, err := db.ExecContext(ctx, "ANALYZE keyauth_keys"); err != nil {
				b.Fatal(err)
			}
			creator, err := apikey.NewService(apikey.Config{Store: s})
			if err != nil {
				b.Fatal(err)
			}
			_, secret, err := creator.Create(ctx, apikey.CreateParams{OrgID: "big", Name: "bench", Permission: apikey.Read})
			if err != nil {
				b.Fatal(err)
			}
			token := secret.Reveal()
			mid := recs[n/2]

			b.Run("get", func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := s.Get(ctx, recs[i%n].ID); err != nil {
						b.Fatal(err)
					}
					i += 7919
				}
			})
			b.Run("list_page_50", func(b *testing.B) {
				b.ReportAllocs()
				q := apikey.ListQuery{OrgID: "big", After: apikey.Position{CreatedAt: mid.CreatedAt, ID: mid.ID}, Limit: 50}
				for b.Loop() {
					keys, err := s.List(ctx, q)
					if err != nil || len(keys) != 50 {
						b.Fatalf("List: %d keys, %v", len(keys), err)
					}
				}
			})
			b.Run("unknown_id", func(b *testing.B) {
				// The residual cost of a flood of random unknown ids: each
				// is a new id, so each costs one indexed read (and no
				// argon2id). Ids are made outside the timer.
				svc, err := apikey.NewService(apikey.Config{Store: s})
				if err != nil {
					b.Fatal(err)
				}
				forged := make([]string, 4096)
				for i := range forged {
					forged[i] = keytest.Forge(apikey.DefaultPrefix, "")
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := svc.Authenticate(ctx, forged[i%len(forged)]); !errors.Is(err, apikey.ErrInvalidKey) {
						b.Fatal(err)
					}
					i++
					if i%len(forged) == 0 {
						b.StopTimer()
						for j := range forged { // fresh ids: the absent ones are kept for a second
							forged[j] = keytest.Forge(apikey.DefaultPrefix, "")
						}
						b.StartTimer()
					}
				}
				b.StopTimer()
				if st := svc.Stats(); st.HashRuns != 0 {
					b.Fatalf("unknown ids ran argon2id %d times", st.HashRuns)
				}
				b.ReportMetric(float64(svc.Stats().StoreReads)/float64(b.N), "reads/op")
			})
			b.Run("cold_authenticate", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					svc, err := apikey.NewService(apikey.Config{Store: s})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := svc.Authenticate(ctx, token); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
