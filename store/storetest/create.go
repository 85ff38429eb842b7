package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

func testCreateGet(t *testing.T, s apikey.Store) {
	t.Run("round trip of every field", func(t *testing.T) {
		longest := "$argon2id$v=19$m=262144,t=16,p=16$" + strings.Repeat("c2FsdA", 14) + "YQ$" + strings.Repeat("aGFzaA", 14) + "YQ"
		tests := []struct {
			desc   string
			modify func(r *apikey.Record)
		}{
			{"read key without expiry", func(r *apikey.Record) {}},
			{"write key with expiry", func(r *apikey.Record) {
				r.Permission = apikey.Write
				r.ExpiresAt = later(90 * 24 * time.Hour)
			}},
			{"unicode name", func(r *apikey.Record) { r.Name = "Zahlungsdienst – Überweisung ✓ 日本語 🔑" }},
			{"name with quotes, backslash and wildcards", func(r *apikey.Record) { r.Name = `O'Brien's "prod" key \ 100% _x_ ; --` }},
			{"name of 100 multi-byte characters", func(r *apikey.Record) { r.Name = strings.Repeat("é", 50) + strings.Repeat("🔑", 50) }},
			{"single-character name", func(r *apikey.Record) { r.Name = "x" }},
			{"8-letter deployment prefix", func(r *apikey.Record) { r.Prefix = "abcdefgh_" + r.ID }},
			{"longest organization id", func(r *apikey.Record) { r.OrgID = strings.Repeat("Org_-9", 10) + "abcd" }},
			{"longest valid hash", func(r *apikey.Record) { r.Hash = longest }},
		}
		var created []apikey.Record
		for _, tt := range tests {
			t.Run(tt.desc, func(t *testing.T) {
				r := newRecord("acme", later(-time.Hour))
				tt.modify(&r)
				mustCreate(t, s, r)
				checkStored(t, s, r)
				created = append(created, r)
			})
		}
		// Later writes must not disturb earlier records.
		for _, r := range created {
			checkStored(t, s, r)
		}
	})

	t.Run("ids that differ only in case are different keys", func(t *testing.T) {
		lower := withID(newRecord("acme", now), "caseabcdefgh")
		upper := withID(newRecord("acme", now), "CASEABCDEFGH")
		mixed := withID(newRecord("acme-2", now), "CaseAbcdefgh")
		mustCreate(t, s, lower, upper, mixed)
		checkStored(t, s, lower)
		checkStored(t, s, upper)
		checkStored(t, s, mixed)
		checkAbsent(t, s, "caseabcdefgH")
	})

	t.Run("missing id is ErrNotFound", func(t *testing.T) {
		r := withID(newRecord("acme", now), "getAbcXyz012")
		mustCreate(t, s, r)
		for _, tt := range []struct{ desc, id string }{
			{"unknown id", newID()},
			{"empty id", ""},
			{"prefix of a stored id", r.ID[:11]},
			{"stored id with one more character", r.ID + "0"},
			{"stored id in other case", flipCase(r.ID)},
			{"display prefix of a stored id", r.Prefix},
			{"SQL text", "x' OR '1'='1"},
		} {
			t.Run(tt.desc, func(t *testing.T) { checkAbsent(t, s, tt.id) })
		}
	})

	t.Run("duplicate id is ErrAlreadyExists and keeps the first record", func(t *testing.T) {
		first := newRecord("acme", now)
		first.ExpiresAt = later(time.Hour)
		mustCreate(t, s, first)
		for _, tt := range []struct {
			desc   string
			modify func(r *apikey.Record)
		}{
			{"same record", func(r *apikey.Record) {}},
			{"other fields", func(r *apikey.Record) {
				r.Name, r.Permission, r.Hash = "other", apikey.Write, hashFor("other")
				r.CreatedAt, r.ExpiresAt = later(time.Minute), time.Time{}
			}},
			{"other organization", func(r *apikey.Record) { r.OrgID = "acme-2" }},
		} {
			t.Run(tt.desc, func(t *testing.T) {
				dup := first
				tt.modify(&dup)
				checkErr(t, "Create of a taken id", s.Create(t.Context(), dup), apikey.ErrAlreadyExists)
				checkStored(t, s, first)
			})
		}
		keys, err := s.List(t.Context(), apikey.ListQuery{OrgID: "acme-2", Limit: 100})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		for _, k := range keys {
			if k.ID == first.ID {
				t.Errorf("List(initech) includes %s after a refused duplicate Create", k.ID)
			}
		}
	})
}

// flipCase swaps upper and lower case letters; digits stay.
func flipCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}
