package middleware_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

func TestLifecycleHeaders(t *testing.T) {
	rotated := t0.Add(time.Hour)
	for _, tt := range []struct {
		desc            string
		tweak           func(*middleware.Config)
		expires         time.Time // at creation
		grace           time.Duration
		wantDeprecation string
		wantSunset      string
	}{
		{desc: "a key without expiry gets nothing"},
		{desc: "a key far from its expiry gets nothing", expires: t0.Add(8 * 24 * time.Hour)},
		{desc: "a key 7 days from its expiry gets Sunset", expires: t0.Add(7 * 24 * time.Hour),
			wantSunset: "Sun, 08 Mar 2026 12:00:00 GMT"},
		{desc: "the window is configurable", expires: t0.Add(7 * 24 * time.Hour),
			tweak: func(c *middleware.Config) { c.SunsetWindow = 24 * time.Hour }},
		{desc: "a negative window leaves Sunset to rotated keys", expires: t0.Add(time.Hour),
			tweak: func(c *middleware.Config) { c.SunsetWindow = -1 }},
		{desc: "a rotated key gets Deprecation and Sunset", grace: 24 * time.Hour,
			wantDeprecation: "@" + strconv.FormatInt(rotated.Unix(), 10), wantSunset: "Mon, 02 Mar 2026 13:00:00 GMT"},
		{desc: "a rotated key whose expiry came first keeps it", grace: 24 * time.Hour, expires: t0.Add(2 * time.Hour),
			wantDeprecation: "@" + strconv.FormatInt(rotated.Unix(), 10), wantSunset: "Sun, 01 Mar 2026 14:00:00 GMT"},
		{desc: "nothing when turned off", grace: 24 * time.Hour,
			tweak: func(c *middleware.Config) { c.NoLifecycleHeaders = true }},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			var now func() time.Time
			e := newEnv(t, nil, func(c *middleware.Config) {
				c.Now = func() time.Time { return now() }
				if tt.tweak != nil {
					tt.tweak(c)
				}
			})
			now = e.clock.Now
			k, token := e.create(t, "acme", apikey.Read, tt.expires)
			if tt.grace > 0 {
				e.clock.Advance(time.Hour)
				if _, _, err := e.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: "acme", ID: k.ID, Grace: tt.grace}); err != nil {
					t.Fatal(err)
				}
			}
			rec := serve(e.mux, request("GET", "/v1/organizations/acme/", "Bearer "+token))
			if rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			if got := rec.Header().Get("Deprecation"); got != tt.wantDeprecation {
				t.Errorf("Deprecation %q, want %q", got, tt.wantDeprecation)
			}
			if got := rec.Header().Get("Sunset"); got != tt.wantSunset {
				t.Errorf("Sunset %q, want %q", got, tt.wantSunset)
			}
		})
	}
}

// A refused request never carries them: they describe a key that works.
func TestLifecycleHeadersOnlyWhenLetThrough(t *testing.T) {
	e := newEnv(t, nil, nil)
	k, token := e.create(t, "acme", apikey.Read, time.Time{})
	if _, _, err := e.svc.Rotate(context.Background(), apikey.RotateParams{OrgID: "acme", ID: k.ID, Grace: time.Hour}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/organizations/globex/", "/v1/organizations/acme/purge"} {
		rec := serve(e.mux, request("POST", path, "Bearer "+token))
		if rec.Code < 400 || rec.Header().Get("Deprecation") != "" || rec.Header().Get("Sunset") != "" {
			t.Errorf("%s: %d with Deprecation %q Sunset %q", path, rec.Code, rec.Header().Get("Deprecation"), rec.Header().Get("Sunset"))
		}
	}
}
