package apikey_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
)

type otherKey struct{}

func TestContext(t *testing.T) {
	p := apikey.Principal{KeyID: "AbCdEfGhIjKl", OrgID: "acme", Permission: apikey.Write, Name: "CRM", Prefix: "dk_AbCdEfGhIjKl"}
	tests := []struct {
		desc string
		ctx  func() context.Context
		want apikey.Principal
		ok   bool
	}{
		{"absent", context.Background, apikey.Principal{}, false},
		{"nil context", func() context.Context { return nil }, apikey.Principal{}, false},
		{"stored", func() context.Context { return apikey.NewContext(context.Background(), p) }, p, true},
		{"under another value", func() context.Context {
			return context.WithValue(apikey.NewContext(context.Background(), p), otherKey{}, 1)
		}, p, true},
		{"innermost wins", func() context.Context {
			return apikey.NewContext(apikey.NewContext(context.Background(), apikey.Principal{KeyID: "old"}), p)
		}, p, true},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, ok := apikey.FromContext(tt.ctx())
			if ok != tt.ok {
				t.Fatalf("FromContext: ok = %v, want %v", ok, tt.ok)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("FromContext principal differs (-want +got):\n%s", d)
			}
		})
	}
}

func TestContextKeepsParent(t *testing.T) {
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), otherKey{}, "v"), time.Hour)
	ctx := apikey.NewContext(parent, apikey.Principal{KeyID: "k"})
	if ctx.Value(otherKey{}) != "v" {
		t.Fatal("parent value lost")
	}
	if _, ok := ctx.Deadline(); !ok {
		t.Fatal("parent deadline lost")
	}
	cancel()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("cancelling the parent did not reach the child")
	}
}

func TestNewContextAllocatesOnce(t *testing.T) {
	p := apikey.Principal{KeyID: "AbCdEfGhIjKl", OrgID: "acme", Permission: apikey.Read}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		got, _ := apikey.FromContext(apikey.NewContext(ctx, p))
		if got.KeyID != p.KeyID {
			t.Fatal("lost")
		}
	})
	if allocs > 1 {
		t.Fatalf("NewContext+FromContext allocate %v times, want 1", allocs)
	}
}
