package main

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
)

// aKey is key-shaped text (it need not have a valid checksum: redaction
// goes by shape).
const aKey = "dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJ01234567"

type keyStringer struct{}

func (keyStringer) String() string { return "stringer " + aKey }

type keyValuer struct{}

func (keyValuer) LogValue() slog.Value { return slog.StringValue("valuer " + aKey) }

// TestRedactHandler logs a key in every place a record can hold text and
// checks that none of it reaches the output, while other values do.
func TestRedactHandler(t *testing.T) {
	var buf bytes.Buffer
	log := withRedaction(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if withRedaction(log) != log {
		t.Fatal("withRedaction wrapped an already redacting logger again")
	}
	log = log.With("with", "attr "+aKey, slog.Group("wg", "inner", aKey))
	log.WithGroup("group "+aKey).Info("in a group", "a", 1)
	log.Info("message "+aKey,
		"path", "/v1/organizations/"+aKey+"/contacts",
		"error", errors.New("wrapped: "+aKey),
		"stringer", keyStringer{},
		"valuer", keyValuer{},
		aKey, "as a key",
		slog.Group("g", "nested", aKey, slog.Group("deeper", "x", aKey)),
		"cut", aKey[:40]+"...",
		"prefix", aKey[:15],
		"count", 42,
		"plain", errors.New("no key here"),
	)
	out := buf.String()
	if keyPiece.MatchString(out) || strings.Contains(out, aKey[16:24]) {
		t.Fatalf("the log holds key text:\n%s", out)
	}
	for _, want := range []string{"message [REDACTED]", "count=42", `plain="no key here"`,
		"prefix=" + aKey[:15], `valuer="valuer [REDACTED]"`, `stringer="stringer [REDACTED]"`,
		`"group [REDACTED].a"=1`, `with="attr [REDACTED]"`, "wg.inner=[REDACTED]", "path=/v1/organizations/[REDACTED]/contacts",
		`error="wrapped: [REDACTED]"`, `[REDACTED]="as a key"`, "g.nested=[REDACTED]", "g.deeper.x=[REDACTED]", "cut=[REDACTED]..."} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
}

// TestCrossOriginRefusalLogNoKey sends a cross-origin form post to the
// page with a key pasted in its path: it is refused, and the log line of
// the refusal (and every other) has the key redacted.
func TestCrossOriginRefusalLogNoKey(t *testing.T) {
	a := newTestAPI(t, "sqlite:"+t.TempDir()+"/driive.db")
	key := a.key("demo", apikey.Write)
	for _, path := range []string{"/developer/api-keys/" + key, "/developer/" + key + "/revoke"} {
		req, err := http.NewRequest("POST", a.url+path, strings.NewReader("name=x"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin POST %s: %d, want 403", path, res.StatusCode)
		}
	}
	logs := a.logs.String()
	if !strings.Contains(logs, "cross-origin") || !strings.Contains(logs, redacted) {
		t.Fatalf("no redacted cross-origin refusal in the log:\n%s", logs)
	}
	if keyPiece.MatchString(logs) || strings.Contains(logs, key[16:]) {
		t.Fatalf("the log holds the key:\n%s", logs)
	}
}
