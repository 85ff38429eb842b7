package apikey_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/driive/keyauth/apikey"
)

func TestSecretNeverPrintsItsText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, sec, err := e.svc.Create(t.Context(), apikey.CreateParams{OrgID: "org1", Name: "ci", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	plain := sec.Reveal()
	watchKey(plain)
	if !apikey.Pattern.MatchString(plain) {
		t.Fatal("Reveal does not return the key")
	}
	if _, err := apikey.Parse(plain); err != nil {
		t.Fatalf("Reveal returns an unparsable key: %v", err)
	}
	if p := mustAuth(t, e, plain); p.KeyID != k.ID {
		t.Fatalf("the revealed key authenticates as %q, want %q", p.KeyID, k.ID)
	}

	type exported struct {
		Name   string
		Secret apikey.Secret
	}
	type unexported struct {
		name   string
		secret apikey.Secret
	}
	type nested struct {
		In  exported
		in  unexported
		Ptr *apikey.Secret
		ptr *apikey.Secret
	}
	ex := exported{"a", sec}
	un := unexported{"a", sec}
	ne := nested{In: ex, in: un, Ptr: &sec, ptr: &sec}

	var outputs []struct{ desc, text string }
	add := func(desc, text string) { outputs = append(outputs, struct{ desc, text string }{desc, text}) }
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %v", "%d", "%50s", "%-v", "%#x", "%+q", "%#q", "%U", "%c", "%t", "%e", "%p"} {
		add("Secret "+verb, fmt.Sprintf(verb, sec))
		add("*Secret "+verb, fmt.Sprintf(verb, &sec))
		add("exported field "+verb, fmt.Sprintf(verb, ex))
		add("unexported field "+verb, fmt.Sprintf(verb, un))
		add("nested "+verb, fmt.Sprintf(verb, ne))
		add("pointer to struct "+verb, fmt.Sprintf(verb, &un))
		add("slice "+verb, fmt.Sprintf(verb, []apikey.Secret{sec}))
		add("map "+verb, fmt.Sprintf(verb, map[string]any{"k": sec}))
	}
	add("String", sec.String())
	add("GoString", sec.GoString())
	add("Sprint", fmt.Sprint(sec, ex, un))
	add("Sprintln", fmt.Sprintln(sec, &ne))
	add("Errorf", fmt.Errorf("creating: %v", sec).Error())

	for _, h := range []struct {
		desc string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"slog text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		{"slog JSON", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Info("created", "key", sec, "ptr", &sec, "exported", ex, "unexported", un, "nested", ne,
			slog.Any("any", sec), slog.Group("g", "key", sec))
		log.With("key", sec).Info("with")
		add(h.desc, buf.String())
	}
	for _, v := range []struct {
		desc string
		v    any
	}{
		{"Secret", sec}, {"*Secret", &sec}, {"exported field", ex}, {"unexported field", un},
		{"nested", ne}, {"map value", map[string]apikey.Secret{"k": sec}},
	} {
		b, err := json.Marshal(v.v)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", v.desc, err)
		}
		add("json "+v.desc, string(b))
	}
	if b, err := json.Marshal(sec); err != nil || string(b) != `"[REDACTED]"` {
		t.Fatalf("json.Marshal(Secret) = %s, %v", b, err)
	}
	if b, err := sec.MarshalText(); err != nil || string(b) != "[REDACTED]" {
		t.Fatalf("MarshalText = %s, %v", b, err)
	}

	secretPart := plain[len(k.Prefix)+1:] // the secret and checksum, without the public id
	for _, o := range outputs {
		watchText(o.text)
		if strings.Contains(o.text, plain) || strings.Contains(o.text, secretPart) || strings.Contains(o.text, secretPart[:16]) {
			t.Errorf("%s prints the key: %s", o.desc, o.text)
		}
	}
	if !strings.Contains(fmt.Sprint(sec), "REDACTED") {
		t.Fatalf("Secret prints %q, want a redaction marker", fmt.Sprint(sec))
	}
	var zero apikey.Secret
	if zero.Reveal() != "" || zero.String() != "[REDACTED]" {
		t.Fatal("zero Secret")
	}
}
