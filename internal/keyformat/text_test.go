package keyformat_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keyformat"
)

func TestLengthsAreTheFormatsOwn(t *testing.T) {
	if keyformat.IDLen != apikey.IDLen || keyformat.SecretLen != apikey.SecretLen || keyformat.ChecksumLen != apikey.ChecksumLen {
		t.Fatalf("keyformat lengths %d/%d/%d, apikey's %d/%d/%d", keyformat.IDLen, keyformat.SecretLen, keyformat.ChecksumLen,
			apikey.IDLen, apikey.SecretLen, apikey.ChecksumLen)
	}
	if want := `[a-z][a-z0-9]{0,7}_[0-9A-Za-z]{` + strconv.Itoa(keyformat.IDLen) + `}_[0-9A-Za-z]{` +
		strconv.Itoa(keyformat.SecretLen+keyformat.ChecksumLen) + `}`; keyformat.TextExpr != want {
		t.Fatalf("TextExpr = %s, want %s", keyformat.TextExpr, want)
	}
	if apikey.TextPattern.String() != keyformat.TextExpr {
		t.Fatalf("apikey.TextPattern = %s, want keyformat.TextExpr %s", apikey.TextPattern, keyformat.TextExpr)
	}
	want := strings.TrimSuffix(strings.TrimPrefix(apikey.Pattern.String(), "^dk"), "$")
	if !strings.HasSuffix(keyformat.Text.String(), want) {
		t.Fatalf("Text = %s, does not end like apikey.Pattern (%s)", keyformat.Text, apikey.Pattern)
	}
}

func TestRedact(t *testing.T) {
	key := "dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxyzzzzzz"
	other := "acme9_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxyzzzzzz"
	for in, want := range map[string]string{
		"":                               "",
		"no key here dk_short":           "no key here dk_short",
		"path=/x/" + key + " status=401": "path=/x/[REDACTED] status=401",
		key + "," + other:                "[REDACTED],[REDACTED]",
		"Bearer " + key[:len(key)-1]:     "Bearer " + key[:len(key)-1], // one short: not key-shaped
	} {
		if got := keyformat.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
