package apikey_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func TestMintedKeysMatchPatternAndParse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for range 5 {
		k, token := e.key("org1")
		if !apikey.Pattern.MatchString(token) {
			t.Fatalf("minted key of %d bytes does not match Pattern", len(token))
		}
		id, err := apikey.Parse(token)
		if err != nil {
			t.Fatalf("Parse(minted key): %v", err)
		}
		if id != k.ID || k.Prefix != "dk_"+k.ID || !strings.HasPrefix(token, k.Prefix+"_") {
			t.Fatalf("id %q, key %+v: id or display prefix does not match the text", id, k)
		}
	}
}

func TestMintedKeysWithCustomPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *apikey.Config) { c.Prefix = "acme2" })
	k, token := e.key("org1")
	re, err := apikey.PatternFor("acme2")
	if err != nil {
		t.Fatal(err)
	}
	if !re.MatchString(token) || apikey.Pattern.MatchString(token) {
		t.Fatal("custom-prefix key: PatternFor must match it and Pattern must not")
	}
	if id, err := apikey.ParseWithPrefix(token, "acme2"); err != nil || id != k.ID {
		t.Fatalf("ParseWithPrefix = %q, %v", id, err)
	}
	if _, err := apikey.Parse(token); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("Parse with the default prefix = %v, want ErrInvalidKey", err)
	}
	if k.Prefix != "acme2_"+k.ID {
		t.Fatalf("display prefix %q", k.Prefix)
	}
	mustAuth(t, e, token)
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	id := "AbCdEfGhIjKl"
	secret := "0123456789abcdefghijABCDEFGHIJxy"
	good := keytest.WithChecksum("dk_" + id + "_" + secret)
	if got, err := apikey.Parse(good); err != nil || got != id {
		t.Fatalf("Parse(good) = %q, %v", got, err)
	}
	flip := func(s string, i int, c byte) string { b := []byte(s); b[i] = c; return string(b) }
	tests := []struct {
		desc  string
		token string
	}{
		{"empty", ""},
		{"prefix only", "dk_"},
		{"wrong prefix", keytest.WithChecksum("xk_" + id + "_" + secret)},
		{"upper-case prefix", keytest.WithChecksum("DK_" + id + "_" + secret)},
		{"no prefix", keytest.WithChecksum(id + "_" + secret)},
		{"id one short", keytest.WithChecksum("dk_" + id[1:] + "_" + secret + "A")},
		{"id one long", keytest.WithChecksum("dk_" + id + "A_" + secret[1:])},
		{"secret one short", keytest.WithChecksum("dk_" + id + "_" + secret[1:])},
		{"secret one long", keytest.WithChecksum("dk_" + id + "_" + secret + "A")},
		{"checksum missing", "dk_" + id + "_" + secret},
		{"checksum one short", good[:len(good)-1]},
		{"one character more", good + "0"},
		{"bad checksum", flip(good, len(good)-1, good[len(good)-1]^1)},
		{"secret changed, checksum kept", flip(good, 20, 'z')},
		{"id changed, checksum kept", flip(good, 4, 'z')},
		{"dash in id", keytest.WithChecksum("dk_AbCdEf-hIjKl_" + secret)},
		{"underscore in secret", keytest.WithChecksum("dk_" + id + "_0123456789abcdef_hijABCDEFGHIJxy")},
		{"plus in secret", keytest.WithChecksum("dk_" + id + "_0123456789abcdef+hijABCDEFGHIJxy")},
		{"separator missing", keytest.WithChecksum("dk_" + id + "0" + secret)},
		{"UTF-8 in secret", keytest.WithChecksum("dk_" + id + "_0123456789abcdefghijABCDEFGHIé")},
		{"UTF-8 in id", keytest.WithChecksum("dk_AbCdEfGhIjé_" + secret)},
		{"NUL in secret", keytest.WithChecksum("dk_" + id + "_0123456789abcdefghij\x00BCDEFGHIJxy")},
		{"newline at end", good[:len(good)-1] + "\n"},
		{"tab in id", keytest.WithChecksum("dk_AbCdEf\thIjKl_" + secret)},
		{"space before", " " + good[:len(good)-1]},
		{"DEL in checksum", good[:len(good)-1] + "\x7f"},
		{"high byte in checksum", good[:len(good)-1] + "\xff"},
		{"two keys glued", good + good},
		{"bearer prefix", "Bearer " + good},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if tt.token == good {
				t.Fatal("test case equals the good key")
			}
			if id, err := apikey.Parse(tt.token); !errors.Is(err, apikey.ErrInvalidKey) || id != "" {
				t.Fatalf("Parse = %q, %v; want ErrInvalidKey", id, err)
			}
			if apikey.Pattern.MatchString(tt.token) && tt.desc != "bad checksum" && !strings.Contains(tt.desc, "checksum kept") {
				t.Fatal("Pattern matches a text of the wrong shape")
			}
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	good := keytest.WithChecksum("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy")
	if n := testing.AllocsPerRun(100, func() { _, _ = apikey.Parse(good) }); n != 0 {
		t.Fatalf("Parse allocates %v times", n)
	}
}

func TestValidatePrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc   string
		prefix string
		ok     bool
	}{
		{"default", "dk", true},
		{"one letter", "a", true},
		{"eight characters", "abcdefg8", true},
		{"letters and digits", "k8s", true},
		{"empty", "", false},
		{"nine characters", "abcdefghi", false},
		{"starts with a digit", "1dk", false},
		{"upper case", "Dk", false},
		{"underscore", "d_k", false},
		{"dash", "d-k", false},
		{"regexp metacharacter", "d.k", false},
		{"UTF-8", "dé", false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			err := apikey.ValidatePrefix(tt.prefix)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidatePrefix(%q) = %v, want ok=%v", tt.prefix, err, tt.ok)
			}
			re, perr := apikey.PatternFor(tt.prefix)
			if (perr == nil) != tt.ok {
				t.Fatalf("PatternFor(%q) error = %v, want ok=%v", tt.prefix, perr, tt.ok)
			}
			if !tt.ok {
				if !errors.Is(err, apikey.ErrInvalidArgument) || !errors.Is(perr, apikey.ErrInvalidArgument) {
					t.Fatalf("errors %v / %v, want ErrInvalidArgument", err, perr)
				}
				if _, err := apikey.ParseWithPrefix("x", tt.prefix); !errors.Is(err, apikey.ErrInvalidArgument) {
					t.Fatalf("ParseWithPrefix with a bad prefix = %v", err)
				}
				// An empty Config.Prefix means the default.
				if _, err := apikey.NewService(apikey.Config{Store: newEnv(t).mem, Prefix: tt.prefix}); err == nil && tt.prefix != "" {
					t.Fatal("NewService accepted a bad prefix")
				}
				return
			}
			key := keytest.WithChecksum(tt.prefix + "_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy")
			if !re.MatchString(key) {
				t.Fatal("PatternFor does not match a key with that prefix")
			}
			if re.MatchString(key[1:]) || re.MatchString("x"+key) {
				t.Fatal("PatternFor is not anchored")
			}
		})
	}
}

func TestDefaultPatternIsTheDocumentedOne(t *testing.T) {
	t.Parallel()
	const want = `^dk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$`
	if apikey.Pattern.String() != want {
		t.Fatalf("Pattern = %s, want %s", apikey.Pattern, want)
	}
	re, err := apikey.PatternFor("dk")
	if err != nil || re.String() != want {
		t.Fatalf("PatternFor(dk) = %v, %v", re, err)
	}
}
