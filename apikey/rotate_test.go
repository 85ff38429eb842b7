package apikey_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
)

func rotate(t *testing.T, e *env, p apikey.RotateParams) (apikey.Key, string, error) {
	t.Helper()
	k, sec, err := e.svc.Rotate(t.Context(), p)
	watchKey(sec.Reveal())
	return k, sec.Reveal(), watchErr(err)
}

func TestRotateKeepsNamePermissionOrgAndLifetime(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	tests := []struct {
		desc        string
		oldExpires  time.Time // relative to t0
		explicit    time.Time
		wantExpires time.Time // of the new key; rotation happens at t0+10d
	}{
		{"no expiry stays none", time.Time{}, time.Time{}, time.Time{}},
		{"30-day key gets 30 days from now", t0.Add(30 * day), time.Time{}, t0.Add(40 * day)},
		{"explicit expiry wins", t0.Add(30 * day), t0.Add(100 * day), t0.Add(100 * day)},
		{"explicit expiry on a key without one", time.Time{}, t0.Add(11 * day), t0.Add(11 * day)},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.sync()
			old, oldToken := e.create("org1", "billing export", apikey.Read, tt.oldExpires)
			e.clock.Advance(10 * day)
			nk, token, err := rotate(t, e, apikey.RotateParams{OrgID: "org1", ID: old.Prefix, Grace: time.Hour, ExpiresAt: tt.explicit})
			if err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			if nk.ID == old.ID {
				t.Fatalf("the new key has the old id %s", nk.ID)
			}
			want := apikey.Key{ID: nk.ID, OrgID: old.OrgID, Name: old.Name, Prefix: "dk_" + nk.ID,
				Permission: old.Permission, CreatedAt: t0.Add(10 * day), ExpiresAt: tt.wantExpires}
			if d := cmp.Diff(want, nk); d != "" {
				t.Fatalf("new key does not carry over the old one's name, permission and lifetime (-want +got):\n%s", d)
			}
			wantP := apikey.Principal{KeyID: nk.ID, OrgID: old.OrgID, Permission: apikey.Read, Name: old.Name, Prefix: nk.Prefix,
				ExpiresAt: tt.wantExpires}
			if d := cmp.Diff(wantP, mustAuth(t, e, token)); d != "" {
				t.Fatalf("new key authenticates as another principal (-want +got):\n%s", d)
			}
			if p := mustAuth(t, e, oldToken); p.KeyID != old.ID {
				t.Fatalf("old key during grace authenticates as %+v", p)
			}
			stored, err := e.svc.Get(t.Context(), "org1", old.ID)
			if err != nil || !stored.ExpiresAt.Equal(t0.Add(10*day+time.Hour)) {
				t.Fatalf("old key expires %v, %v; want now+grace", stored.ExpiresAt, err)
			}
		})
	}
}

func TestRotateGrace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc       string
		oldExpires time.Duration // from t0; 0: none
		grace      time.Duration
		wantEnd    time.Duration // from t0, when the old key stops working
	}{
		{"grace 24h", 0, 24 * time.Hour, 24 * time.Hour},
		{"grace beyond the key's own expiry keeps its expiry", time.Hour, 24 * time.Hour, time.Hour},
		{"grace 1µs", 0, time.Microsecond, time.Microsecond},
		{"grace 0 ends the old key at once", 0, 0, 0},
		{"grace 0 on a key with an expiry", 48 * time.Hour, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.sync()
			var exp time.Time
			if tt.oldExpires > 0 {
				exp = t0.Add(tt.oldExpires)
			}
			old, oldToken := e.create("org1", "k", apikey.Write, exp)
			mustAuth(t, e, oldToken) // cached: the rotation must reach the cache
			_, newToken, err := rotate(t, e, apikey.RotateParams{OrgID: "org1", ID: old.ID, Grace: tt.grace})
			if err != nil {
				t.Fatal(err)
			}
			mustAuth(t, e, newToken)
			if tt.wantEnd > 0 {
				e.clock.Set(t0.Add(tt.wantEnd - time.Microsecond))
				mustAuth(t, e, oldToken)
			}
			e.clock.Set(t0.Add(tt.wantEnd))
			wantAuthErr(t, e, oldToken, apikey.ErrKeyExpired)
			// A second Service, which never saw the old key, agrees.
			if _, err := e.sibling().auth(oldToken); !errors.Is(err, apikey.ErrKeyExpired) {
				t.Fatalf("other Service: %v, want ErrKeyExpired", err)
			}
		})
	}
}

func TestRotateRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc  string
		setup func(e *env, k apikey.Key)
		p     func(k apikey.Key) apikey.RotateParams
		want  error
	}{
		{"revoked key", func(e *env, k apikey.Key) {
			if _, err := e.svc.Revoke(e.t.(*testing.T).Context(), "org1", k.ID); err != nil {
				e.t.Fatal(err)
			}
		}, func(k apikey.Key) apikey.RotateParams { return apikey.RotateParams{OrgID: "org1", ID: k.ID} }, apikey.ErrKeyRevoked},
		{"expired key", func(e *env, k apikey.Key) { e.clock.Advance(time.Hour) },
			func(k apikey.Key) apikey.RotateParams { return apikey.RotateParams{OrgID: "org1", ID: k.ID} }, apikey.ErrKeyExpired},
		{"key at its expiry instant", func(e *env, k apikey.Key) { e.clock.Set(k.ExpiresAt) },
			func(k apikey.Key) apikey.RotateParams { return apikey.RotateParams{OrgID: "org1", ID: k.ID} }, apikey.ErrKeyExpired},
		{"key ended by an earlier rotation with grace 0", func(e *env, k apikey.Key) {
			if _, s, err := e.svc.Rotate(e.t.(*testing.T).Context(), apikey.RotateParams{OrgID: "org1", ID: k.ID}); err != nil {
				e.t.Fatal(err)
			} else {
				watchKey(s.Reveal())
			}
		}, func(k apikey.Key) apikey.RotateParams { return apikey.RotateParams{OrgID: "org1", ID: k.ID} }, apikey.ErrKeyExpired},
		{"negative grace", func(*env, apikey.Key) {},
			func(k apikey.Key) apikey.RotateParams {
				return apikey.RotateParams{OrgID: "org1", ID: k.ID, Grace: -time.Second}
			}, apikey.ErrInvalidArgument},
		{"explicit expiry in the past", func(*env, apikey.Key) {},
			func(k apikey.Key) apikey.RotateParams {
				return apikey.RotateParams{OrgID: "org1", ID: k.ID, ExpiresAt: t0.Add(-time.Hour)}
			}, apikey.ErrInvalidArgument},
		{"unknown key", func(*env, apikey.Key) {},
			func(apikey.Key) apikey.RotateParams { return apikey.RotateParams{OrgID: "org1", ID: "AAAAAAAAAAAA"} }, apikey.ErrNotFound},
		{"bad org id", func(*env, apikey.Key) {},
			func(k apikey.Key) apikey.RotateParams { return apikey.RotateParams{OrgID: "", ID: k.ID} }, apikey.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			k, _ := e.create("org1", "k", apikey.Write, t0.Add(time.Hour))
			tt.setup(e, k)
			before, _ := e.svc.List(t.Context(), "org1", apikey.ListOptions{})
			nk, token, err := rotate(t, e, tt.p(k))
			if !errors.Is(err, tt.want) || token != "" || nk != (apikey.Key{}) {
				t.Fatalf("Rotate = %+v, %v; want %v and no key", nk, err, tt.want)
			}
			after, _ := e.svc.List(t.Context(), "org1", apikey.ListOptions{})
			if len(after.Keys) != len(before.Keys) {
				t.Fatal("a refused Rotate stored a new key")
			}
		})
	}
}
