package apikey_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ok := apikey.CreateParams{OrgID: "org1", Name: "CI deploy", Permission: apikey.Read}
	tests := []struct {
		desc string
		edit func(*apikey.CreateParams)
	}{
		{"empty org", func(p *apikey.CreateParams) { p.OrgID = "" }},
		{"org of 65 characters", func(p *apikey.CreateParams) { p.OrgID = strings.Repeat("a", 65) }},
		{"org with a space", func(p *apikey.CreateParams) { p.OrgID = "org 1" }},
		{"org with a slash", func(p *apikey.CreateParams) { p.OrgID = "org/1" }},
		{"org with UTF-8", func(p *apikey.CreateParams) { p.OrgID = "orgé" }},
		{"empty name", func(p *apikey.CreateParams) { p.Name = "" }},
		{"name of 101 characters", func(p *apikey.CreateParams) { p.Name = strings.Repeat("é", 101) }},
		{"name with a newline", func(p *apikey.CreateParams) { p.Name = "CI\ndeploy" }},
		{"name with a tab", func(p *apikey.CreateParams) { p.Name = "CI\tdeploy" }},
		{"name with NUL", func(p *apikey.CreateParams) { p.Name = "CI\x00" }},
		{"name with an escape sequence", func(p *apikey.CreateParams) { p.Name = "\x1b[31mred" }},
		{"name with invalid UTF-8", func(p *apikey.CreateParams) { p.Name = "CI\xff" }},
		{"name with a zero-width space", func(p *apikey.CreateParams) { p.Name = "CI\u200b" }},
		{"name with a bidi override", func(p *apikey.CreateParams) { p.Name = "CI\u202e" }},
		{"no permission", func(p *apikey.CreateParams) { p.Permission = 0 }},
		{"unknown permission", func(p *apikey.CreateParams) { p.Permission = 3 }},
		{"expiry in the past", func(p *apikey.CreateParams) { p.ExpiresAt = t0.Add(-time.Second) }},
		{"expiry now", func(p *apikey.CreateParams) { p.ExpiresAt = t0 }},
		{"expiry less than a microsecond ahead", func(p *apikey.CreateParams) { p.ExpiresAt = t0.Add(500 * time.Nanosecond) }},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			k, sec, err := e.svc.Create(t.Context(), p)
			watchErr(err)
			if !errors.Is(err, apikey.ErrInvalidArgument) {
				t.Fatalf("Create = %v, want ErrInvalidArgument", err)
			}
			if k != (apikey.Key{}) || sec.Reveal() != "" {
				t.Fatal("a refused Create returned a key")
			}
		})
	}
	page, err := e.svc.List(t.Context(), "org1", apikey.ListOptions{})
	if err != nil || len(page.Keys) != 0 {
		t.Fatalf("refused Creates stored keys: %v %v", page.Keys, err)
	}
}

func TestCreateAcceptsBoundaryValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		desc string
		p    apikey.CreateParams
	}{
		{"org of 64 characters, name of 100 characters", apikey.CreateParams{
			OrgID: strings.Repeat("a", 64), Name: strings.Repeat("é", 100), Permission: apikey.Write}},
		{"org with dash and underscore, one-character name, expiry 1µs ahead", apikey.CreateParams{
			OrgID: "Org_9-x", Name: "x", Permission: apikey.Read, ExpiresAt: t0.Add(time.Microsecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			k, sec, err := e.svc.Create(t.Context(), tt.p)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			watchKey(sec.Reveal())
			want := apikey.Key{ID: k.ID, OrgID: tt.p.OrgID, Name: tt.p.Name, Prefix: "dk_" + k.ID,
				Permission: tt.p.Permission, CreatedAt: t0, ExpiresAt: tt.p.ExpiresAt}
			if d := cmp.Diff(want, k); d != "" {
				t.Fatalf("Create returned a different key (-want +got):\n%s", d)
			}
		})
	}
}

func TestCreateStoresOnlyTheHash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	exp := t0.Add(90 * 24 * time.Hour).Add(123 * time.Nanosecond)
	k, token := e.create("org1", "CI", apikey.Write, exp)
	r, err := e.mem.Get(t.Context(), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.Hash, "$argon2id$v=19$m=8192,t=1,p=1$") || strings.Contains(r.Hash, token) ||
		strings.Contains(r.Hash, token[len(k.Prefix)+1:]) {
		t.Fatalf("stored hash %q is not an argon2id hash of the key", r.Hash)
	}
	if d := cmp.Diff(k, r.Key); d != "" {
		t.Fatalf("stored key differs from the returned one (-returned +stored):\n%s", d)
	}
	if !k.ExpiresAt.Equal(exp.Truncate(time.Microsecond)) || k.ExpiresAt.Location() != time.UTC || k.CreatedAt.Location() != time.UTC {
		t.Fatalf("times not UTC µs: created %v, expires %v", k.CreatedAt, k.ExpiresAt)
	}
	got, err := e.svc.Get(t.Context(), "org1", k.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if d := cmp.Diff(k, got); d != "" {
		t.Fatalf("Get differs from what Create returned (-want +got):\n%s", d)
	}
}

func TestGetByIDOrPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	tests := []struct {
		desc string
		ref  string
		want error
	}{
		{"id", k.ID, nil},
		{"display prefix", k.Prefix, nil},
		{"display prefix with ellipsis", k.Prefix + "...", nil},
		{"whole key pasted", token, apikey.ErrInvalidArgument},
		{"empty", "", apikey.ErrInvalidArgument},
		{"short id", k.ID[1:], apikey.ErrInvalidArgument},
		{"other prefix", "xk_" + k.ID, apikey.ErrInvalidArgument},
		{"unknown id", "AAAAAAAAAAAA", apikey.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, err := e.svc.Get(t.Context(), "org1", tt.ref)
			watchErr(err)
			if !errors.Is(err, tt.want) || (tt.want == nil && got.ID != k.ID) {
				t.Fatalf("Get(%s) = %+v, %v; want %v", tt.desc, got, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), token[len(k.Prefix):]) {
				t.Fatal("the error echoes the key")
			}
		})
	}
}

func TestOtherOrganizationsKeyIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	tests := []struct {
		desc string
		call func() error
	}{
		{"Get", func() error { _, err := e.svc.Get(t.Context(), "org2", k.ID); return err }},
		{"Get by prefix", func() error { _, err := e.svc.Get(t.Context(), "org2", k.Prefix); return err }},
		{"Revoke", func() error { _, err := e.svc.Revoke(t.Context(), "org2", k.ID); return err }},
		{"Rotate", func() error {
			_, s, err := e.svc.Rotate(t.Context(), apikey.RotateParams{OrgID: "org2", ID: k.ID})
			watchKey(s.Reveal())
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if err := watchErr(tt.call()); !errors.Is(err, apikey.ErrNotFound) {
				t.Fatalf("%s of another org's key = %v, want ErrNotFound", tt.desc, err)
			}
		})
	}
	// Nothing happened to the key.
	if p := mustAuth(t, e, token); p.OrgID != "org1" {
		t.Fatalf("principal org %q", p.OrgID)
	}
	page, err := e.svc.List(t.Context(), "org2", apikey.ListOptions{})
	if err != nil || len(page.Keys) != 0 {
		t.Fatalf("org2 lists %v, %v", page.Keys, err)
	}
}

func TestRevokeIsIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	first, err := e.svc.Revoke(t.Context(), "org1", k.Prefix)
	if err != nil || !first.RevokedAt.Equal(t0) {
		t.Fatalf("Revoke = %+v, %v", first, err)
	}
	e.clock.Advance(time.Hour)
	second, err := e.svc.Revoke(t.Context(), "org1", k.ID)
	if err != nil {
		t.Fatalf("second Revoke: %v", err)
	}
	if second != first {
		t.Fatalf("second Revoke changed the key: %+v, was %+v", second, first)
	}
	wantAuthErr(t, e, token, apikey.ErrKeyRevoked)
	if _, err := e.svc.Revoke(t.Context(), "org1", "AAAAAAAAAAAA"); !errors.Is(watchErr(err), apikey.ErrNotFound) {
		t.Fatalf("Revoke of an unknown id = %v", err)
	}
}

// seedKeys stores n keys of org directly (no hashing): keys created in
// the same microsecond come in pairs, to exercise the id tie-break.
func seedKeys(t *testing.T, e *env, org string, n int) []apikey.Key {
	t.Helper()
	var keys []apikey.Key
	for i := range n {
		id := fmt.Sprintf("%s%08d", strings.ToUpper(org[:1])+"x"+org[len(org)-1:]+"z", (n-i)*7919%100000000)
		k := apikey.Key{ID: id, OrgID: org, Name: fmt.Sprint("key ", i), Prefix: "dk_" + id,
			Permission: apikey.Read, CreatedAt: t0.Add(time.Duration(i/2) * time.Microsecond)}
		if err := e.mem.Create(t.Context(), apikey.Record{Key: k, Hash: "x"}); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

func TestListPaginates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := seedKeys(t, e, "org1", 23)
	seedKeys(t, e, "org2", 5)
	for _, limit := range []int{1, 2, 7, 22, 23, 24, 0} {
		t.Run(fmt.Sprint("limit ", limit), func(t *testing.T) {
			seen := map[string]bool{}
			var got []apikey.Key
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatal("pagination does not end")
				}
				page, err := e.svc.List(t.Context(), "org1", apikey.ListOptions{Limit: limit, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				if limit > 0 && len(page.Keys) > limit {
					t.Fatalf("page of %d keys, limit %d", len(page.Keys), limit)
				}
				for _, k := range page.Keys {
					if seen[k.ID] {
						t.Fatalf("key %s listed twice", k.ID)
					}
					if k.OrgID != "org1" {
						t.Fatalf("key of %s listed for org1", k.OrgID)
					}
					seen[k.ID] = true
					got = append(got, k)
				}
				if page.NextCursor == "" {
					break
				}
				if len(page.Keys) == 0 {
					t.Fatal("an empty page with a next cursor")
				}
				cursor = page.NextCursor
			}
			if len(got) != len(want) {
				t.Fatalf("listed %d keys, want %d", len(got), len(want))
			}
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				if a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID >= b.ID {
					t.Fatalf("keys out of (created, id) order at %d", i)
				}
			}
		})
	}
}

func TestListRejectsBadOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedKeys(t, e, "org1", 5)
	page, err := e.svc.List(t.Context(), "org1", apikey.ListOptions{Limit: 2})
	if err != nil || page.NextCursor == "" {
		t.Fatalf("List: %v %v", page, err)
	}
	c := page.NextCursor
	tests := []struct {
		desc string
		opt  apikey.ListOptions
	}{
		{"negative limit", apikey.ListOptions{Limit: -1}},
		{"limit over 1000", apikey.ListOptions{Limit: 1001}},
		{"not base64", apikey.ListOptions{Cursor: "!!!"}},
		{"cut cursor", apikey.ListOptions{Cursor: c[:len(c)-2]}},
		{"longer cursor", apikey.ListOptions{Cursor: c + "AA"}},
		{"padded cursor", apikey.ListOptions{Cursor: c + "=="}},
		{"huge cursor", apikey.ListOptions{Cursor: strings.Repeat("A", 10000)}},
		{"a key as cursor", apikey.ListOptions{Cursor: keytest.WithChecksum("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy")}},
	}
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(c) {
		for _, r := range []byte{alphabet[(strings.IndexByte(alphabet, c[i])+1)%64], alphabet[(strings.IndexByte(alphabet, c[i])+33)%64]} {
			b := []byte(c)
			b[i] = r
			tests = append(tests, struct {
				desc string
				opt  apikey.ListOptions
			}{fmt.Sprintf("character %d changed to %c", i, r), apikey.ListOptions{Cursor: string(b)}})
		}
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := e.svc.List(t.Context(), "org1", tt.opt)
			if !errors.Is(watchErr(err), apikey.ErrInvalidArgument) {
				t.Fatalf("List = %v, want ErrInvalidArgument", err)
			}
		})
	}
	if _, err := e.svc.List(t.Context(), "bad org", apikey.ListOptions{}); !errors.Is(err, apikey.ErrInvalidArgument) {
		t.Fatalf("List of a bad org id = %v", err)
	}
	if _, err := e.svc.List(t.Context(), "org1", apikey.ListOptions{Limit: 1000, Cursor: c}); err != nil {
		t.Fatalf("List with limit 1000 and a good cursor: %v", err)
	}
}
