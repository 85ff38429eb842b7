package apikey_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// TestMain (helpers_test.go) checks every log line and error text of the
// whole suite; this test drives the paths that log or describe a key, then
// checks its own output the same way.
func TestNoKeyInLogsOrErrors(t *testing.T) {
	var texts []string
	logs := &logSink{}
	jsonLogs := &logSink{}
	both := slog.New(fanout{slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewJSONHandler(jsonLogs, &slog.HandlerOptions{Level: slog.LevelDebug})})
	for _, prefix := range []string{"dk", "acme"} {
		e, fs := newFaultEnv(t, func(c *apikey.Config) {
			c.Prefix = prefix
			c.Logger = both
			c.Now = nil
			c.SyncInterval = 5 * time.Millisecond
			c.FlushInterval = 5 * time.Millisecond
		})
		collect := func(err error) {
			if err != nil {
				texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
			}
		}
		k, token := e.key("org1")
		_, revToken := e.key("org1")
		_, err := e.auth(token)
		collect(err)
		for _, tok := range []string{keytest.WrongSecret(token), keytest.WrongSecret(token), keytest.WrongSecret(token), token + "x", token[:len(token)-1],
			strings.ToUpper(token), revToken} {
			_, err := e.auth(tok)
			collect(err)
		}
		_, err = e.svc.Get(t.Context(), "org1", token) // a key pasted where an id belongs
		collect(err)
		_, err = e.svc.Revoke(t.Context(), "org1", token)
		collect(err)
		_, _, err = e.svc.Rotate(t.Context(), apikey.RotateParams{OrgID: "org1", ID: token})
		collect(err)
		_, err = e.svc.List(t.Context(), "org1", apikey.ListOptions{Cursor: token})
		collect(err)
		_, _, err = e.svc.Create(t.Context(), apikey.CreateParams{OrgID: "org1", Name: token + "\n", Permission: apikey.Read})
		collect(err)
		// A corrupt stored hash is logged with the key id.
		id := "C0rruptH4shX"
		ctok := keytest.WithChecksum(prefix + "_" + id + "_0123456789abcdefghijABCDEFGHIJxy")
		watchKey(ctok)
		if err := e.mem.Create(t.Context(), apikey.Record{Key: apikey.Key{ID: id, OrgID: "org1", Name: "c", Prefix: prefix + "_" + id,
			Permission: apikey.Read, CreatedAt: time.Now().UTC()}, Hash: "$argon2id$v=19$m=4194304,t=1,p=1$" + salt16 + "$" + key32}); err != nil {
			t.Fatal(err)
		}
		_, err = e.auth(ctok)
		collect(err)
		// Store outages, on the request path and in Run.
		fs.set(func(f *faultStore) { f.failGet, f.failChanges, f.failUse = true, true, true })
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); e.svc.Run(ctx) }()
		_, err = e.auth(revToken)
		collect(err)
		time.Sleep(30 * time.Millisecond)
		collect(e.svc.Flush(t.Context()))
		collect(e.svc.Sync(t.Context()))
		fs.set(func(f *faultStore) { f.failGet, f.failChanges, f.failUse = false, false, false })
		time.Sleep(30 * time.Millisecond)
		cancel()
		<-done
		collect(e.svc.Close(t.Context()))
		if !strings.Contains(logs.String(), "key_id="+id) {
			t.Fatalf("the corrupt hash was not logged with its key id:\n%s", logs)
		}
		_ = k
	}
	texts = append(texts, strings.Split(logs.String()+jsonLogs.String(), "\n")...)
	if len(texts) < 30 {
		t.Fatalf("only %d texts collected", len(texts))
	}
	for _, s := range texts {
		watchText(s)
	}
	if bad := leaks(texts); len(bad) > 0 {
		t.Fatalf("%d texts hold a key, e.g. %q", len(bad), bad[0])
	}
}

// The watch itself must see a key, or the checks above prove nothing.
func TestLeakWatchFindsKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *apikey.Config) { c.Prefix = "acme" })
	_, token := e.key("org1")
	foreign := keytest.WithChecksum("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy") // never minted here
	tests := []struct {
		desc string
		text string
		leak bool
	}{
		{"minted key in a log line", `level=INFO msg=x key=` + token, true},
		{"minted key in JSON", `{"key":"` + token + `"}`, true},
		{"minted key in an error", fmt.Errorf("bad: %s", token).Error(), true},
		{"default-prefix key by pattern", "token " + foreign + " end", true},
		{"key id only", "key_id=" + token[5:17], false},
		{"display prefix", "acme_" + token[5:17], false},
		{"redacted", fmt.Sprint(errors.New("[REDACTED]")), false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := len(leaks([]string{tt.text})) > 0; got != tt.leak {
				t.Fatalf("leaks(%q) = %v, want %v", tt.text, got, tt.leak)
			}
		})
	}
}

// fanout sends each record to several handlers.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool { return true }
func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}
func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}
func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}
