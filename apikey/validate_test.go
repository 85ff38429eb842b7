package apikey_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// Every validation of the Service returns an *ArgumentError that names the
// field, matches ErrInvalidArgument, and does not repeat the value.
func TestArgumentErrorsNameTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, token := e.key("org1")
	ctx := t.Context()
	ok := apikey.CreateParams{OrgID: "org1", Name: "n", Permission: apikey.Read}
	tests := []struct {
		desc  string
		field string
		call  func() error
	}{
		{"Create: org id", "org_id", func() error {
			p := ok
			p.OrgID = "bad org"
			_, _, err := e.svc.Create(ctx, p)
			return err
		}},
		{"Create: name", "name", func() error { p := ok; p.Name = "a\nb"; _, _, err := e.svc.Create(ctx, p); return err }},
		{"Create: permission", "permission", func() error { p := ok; p.Permission = 9; _, _, err := e.svc.Create(ctx, p); return err }},
		{"Create: expiry", "expires_at", func() error {
			p := ok
			p.ExpiresAt = t0.Add(-time.Hour)
			_, _, err := e.svc.Create(ctx, p)
			return err
		}},
		{"Get: id", "id", func() error { _, err := e.svc.Get(ctx, "org1", token); return err }},
		{"Get: org id", "org_id", func() error { _, err := e.svc.Get(ctx, "", k.ID); return err }},
		{"Revoke: id", "id", func() error { _, err := e.svc.Revoke(ctx, "org1", "dk_short"); return err }},
		{"Rotate: grace", "grace", func() error {
			_, _, err := e.svc.Rotate(ctx, apikey.RotateParams{OrgID: "org1", ID: k.ID, Grace: -1})
			return err
		}},
		{"Rotate: expiry", "expires_at", func() error {
			_, _, err := e.svc.Rotate(ctx, apikey.RotateParams{OrgID: "org1", ID: k.ID, ExpiresAt: t0})
			return err
		}},
		{"List: limit", "limit", func() error { _, err := e.svc.List(ctx, "org1", apikey.ListOptions{Limit: 1001}); return err }},
		{"List: cursor", "cursor", func() error { _, err := e.svc.List(ctx, "org1", apikey.ListOptions{Cursor: token}); return err }},
		{"ParsePermission", "permission", func() error { _, err := apikey.ParsePermission("admin"); return err }},
		{"ParseWithPrefix: prefix", "prefix", func() error { _, err := apikey.ParseWithPrefix(token, "Bad"); return err }},
		{"ValidateOrgID", "org_id", func() error { return apikey.ValidateOrgID(strings.Repeat("a", 65)) }},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			err := watchErr(tt.call())
			var ae *apikey.ArgumentError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want an *apikey.ArgumentError", err, err)
			}
			if ae.Field != tt.field || ae.Reason == "" {
				t.Fatalf("ArgumentError %+v, want field %q and a reason", *ae, tt.field)
			}
			if !errors.Is(err, apikey.ErrInvalidArgument) {
				t.Fatalf("%v does not match ErrInvalidArgument", err)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "bad org") {
				t.Fatalf("the error repeats the value: %v", err)
			}
		})
	}
}

// Text shaped like a key is refused as an organization id or a key name,
// where it would be stored and shown in plaintext.
func TestCreateRefusesKeyShapedText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, token := e.key("org1")
	other := keytest.WithChecksum("acme_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy") // another prefix
	badSum := token[:len(token)-1] + "0"                                                // the pattern, checksum or not
	tests := []struct {
		desc, field string
		p           apikey.CreateParams
	}{
		{"org id that is a key", "org_id", apikey.CreateParams{OrgID: token, Name: "n", Permission: apikey.Read}},
		{"org id holding a key", "org_id", apikey.CreateParams{OrgID: "x-" + token, Name: "n", Permission: apikey.Read}},
		{"name that is a key", "name", apikey.CreateParams{OrgID: "org1", Name: token, Permission: apikey.Read}},
		{"name holding a key", "name", apikey.CreateParams{OrgID: "org1", Name: "CI key " + token + " (old)", Permission: apikey.Read}},
		{"name holding a key of another prefix", "name", apikey.CreateParams{OrgID: "org1", Name: "k " + other, Permission: apikey.Read}},
		{"name holding key-shaped text with a bad checksum", "name", apikey.CreateParams{OrgID: "org1", Name: badSum, Permission: apikey.Read}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			k, sec, err := e.svc.Create(t.Context(), tt.p)
			watchErr(err)
			var ae *apikey.ArgumentError
			if !errors.As(err, &ae) || ae.Field != tt.field {
				t.Fatalf("Create = %v, want an ArgumentError for %s", err, tt.field)
			}
			if k != (apikey.Key{}) || sec.Reveal() != "" {
				t.Fatal("a refused Create returned a key")
			}
		})
	}
	// Lookalikes that are not key-shaped are fine.
	for _, name := range []string{"dk_" + token[3:15], "deploy key dk_abc", token[:40]} {
		if _, _, err := e.svc.Create(t.Context(), apikey.CreateParams{OrgID: "org1", Name: name, Permission: apikey.Read}); err != nil {
			t.Fatalf("Create with name of %d characters: %v", len(name), err)
		}
	}
	if !apikey.ContainsKeyText("see "+token) || apikey.ContainsKeyText(token[:30]) {
		t.Fatal("ContainsKeyText is wrong")
	}
}
