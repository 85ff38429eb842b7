package keytest_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func TestForgedKeysParse(t *testing.T) {
	for _, tt := range []struct{ prefix, id string }{
		{"dk", ""},
		{"dk", "AbCdEfGhIjKl"},
		{"acme9", ""},
	} {
		key := keytest.Forge(tt.prefix, tt.id)
		id, err := apikey.ParseWithPrefix(key, tt.prefix)
		if err != nil {
			t.Fatalf("Forge(%q, %q): ParseWithPrefix: %v", tt.prefix, tt.id, err)
		}
		if tt.id != "" && id != tt.id {
			t.Errorf("Forge(%q, %q) has id %q", tt.prefix, tt.id, id)
		}
		if !keytest.Text.MatchString(key) {
			t.Errorf("Text does not match Forge(%q, %q)", tt.prefix, tt.id)
		}
	}
}

func TestWrongSecretKeepsTheID(t *testing.T) {
	key := keytest.Forge("dk", "")
	wrong := keytest.WrongSecret(key)
	id, err := apikey.Parse(wrong)
	if err != nil {
		t.Fatalf("Parse(WrongSecret): %v", err)
	}
	if wantID, _ := apikey.Parse(key); id != wantID || wrong == key {
		t.Fatalf("WrongSecret changed the id (%s, want %s) or kept the secret", id, wantID)
	}
}

func TestBadChecksumIsRefused(t *testing.T) {
	for _, key := range []string{keytest.Forge("dk", ""), keytest.WithChecksum("dk_AbCdEfGhIjKl_" + strings.Repeat("0", 32))} {
		bad := keytest.BadChecksum(key)
		if len(bad) != len(key) || bad == key {
			t.Fatalf("BadChecksum changed the length or nothing")
		}
		if _, err := apikey.Parse(bad); !errors.Is(err, apikey.ErrInvalidKey) {
			t.Errorf("Parse(BadChecksum(key)) = %v, want ErrInvalidKey", err)
		}
		if !keytest.Text.MatchString(bad) {
			t.Error("Text does not match a key with a bad checksum: a mangled key is still a leak")
		}
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := keytest.NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("Now = %v, want %v", got, t0)
	}
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(t0.Add(90 * time.Second)) {
		t.Fatalf("after Advance: %v", got)
	}
	c.Set(t0.Add(-time.Hour))
	if got := c.Now(); !got.Equal(t0.Add(-time.Hour)) {
		t.Fatalf("after Set backwards: %v", got)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(-time.Hour + 800*time.Millisecond)) {
		t.Fatalf("after concurrent Advances: %v", got)
	}
}
