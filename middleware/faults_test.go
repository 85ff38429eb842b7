package middleware_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/middleware"
)

// TestClientLeavesWhileWaitingForHashSlot: a client that disconnects while
// its key waits for an argon2id slot gets 503; the slot is released and the
// wait is not counted against the key, so its next request succeeds.
func TestClientLeavesWhileWaitingForHashSlot(t *testing.T) {
	e := newEnv(t, func(c *apikey.Config) {
		c.MaxConcurrentHashes = 1
		c.HashWait = time.Minute
	}, nil)
	// The read key's stored hash is made slow (valid parameters, wrong
	// hash), so that a request with it holds the only slot for a while.
	const slow = "$argon2id$v=19$m=8192,t=16,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	gotten := make(chan string, 4)
	e.store.set(func(s *countingStore) { s.hashes[e.readKey.ID] = slow; s.gotten = gotten })

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.read))
	}()
	if id := <-gotten; id != e.readKey.ID {
		t.Fatalf("store read %s first", id)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.write).WithContext(ctx)).Code
	}()
	if id := <-gotten; id != e.writeKey.ID {
		t.Fatalf("store read %s second", id)
	}
	cancel() // the write key now waits for the slot the read key holds
	if code := <-done; code != http.StatusServiceUnavailable {
		t.Fatalf("status after the client left = %d, want 503", code)
	}
	wg.Wait()
	e.store.set(func(s *countingStore) { s.gotten = nil })
	rec := serve(e.mux, request("GET", "/v1/organizations/acme/whoami", "Bearer "+e.write))
	checkAnswer(t, rec, 200, "", e.write)
	if st := e.svc.Stats(); st.Throttled != 0 || st.HashTimeouts != 0 {
		t.Errorf("stats after the client left: %+v", st)
	}
}

// TestHookPanic: a panicking OnResult hook neither fails the request nor
// leaks the key into the log.
func TestHookPanic(t *testing.T) {
	var buf lockedBuffer
	e := newEnv(t, nil, func(c *middleware.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, nil))
		c.OnResult = func(r *http.Request, _ middleware.Result) {
			panic("hook saw " + r.Header.Get("Authorization") + " and " + r.URL.RawQuery)
		}
	})
	r := request("GET", "/v1/organizations/acme/whoami?k="+e.read, "Bearer "+e.write)
	checkAnswer(t, serve(e.mux, r), 200, "", e.write)
	out := buf.String()
	if !strings.Contains(out, "OnResult hook panicked") || !strings.Contains(out, "[REDACTED]") {
		t.Errorf("panic not logged with redaction: %s", out)
	}
	if strings.Contains(out, e.write) || strings.Contains(out, e.read) || keytest.Text.MatchString(out) {
		t.Errorf("a key reached the log: %s", out)
	}
}

// TestResults: the hook and the logger see each outcome, with the key's id
// and principal when known, and an error that matches the sentinel.
func TestResults(t *testing.T) {
	var mu sync.Mutex
	var got []middleware.Result
	var buf lockedBuffer
	e := newEnv(t, nil, func(c *middleware.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.OnResult = func(_ *http.Request, res middleware.Result) {
			mu.Lock()
			got = append(got, res)
			mu.Unlock()
		}
	})
	path := "/v1/organizations/acme/whoami"
	serve(e.mux, request("GET", path, "Bearer "+e.write))
	serve(e.mux, request("POST", path, "Bearer "+e.read))
	serve(e.mux, request("GET", path, "Bearer "+wrongSecret(e.write)))
	serve(e.mux, request("GET", path))
	if len(got) != 4 {
		t.Fatalf("%d results, want 4", len(got))
	}
	principal := func(k apikey.Key) apikey.Principal {
		return apikey.Principal{KeyID: k.ID, OrgID: k.OrgID, Permission: k.Permission, Name: k.Name, Prefix: k.Prefix}
	}
	want := []middleware.Result{
		{KeyID: e.writeKey.ID, Principal: principal(e.writeKey)},
		{Status: 403, Code: "insufficient_permission", KeyID: e.readKey.ID, Principal: principal(e.readKey)},
		{Status: 401, Code: "invalid_api_key", KeyID: e.writeKey.ID, Err: apikey.ErrInvalidKey},
		{Status: 401, Code: "missing_api_key"},
	}
	// EquateErrors: Err matches when errors.Is(got, want).
	if d := cmp.Diff(want, got, cmpopts.EquateErrors()); d != "" {
		t.Errorf("results of a success, a 403, a wrong secret and a missing key differ (-want +got):\n%s", d)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], `"level":"DEBUG"`) || !strings.Contains(lines[1], `"code":"insufficient_permission"`) ||
		!strings.Contains(lines[2], `"key_id":"`+e.writeKey.ID+`"`) || !strings.Contains(lines[3], `"status":401`) {
		t.Errorf("log:\n%s", buf.String())
	}
}

// TestErrorRedacted: an Authenticator whose error repeats the token does
// not get it into the log or the Result.
func TestErrorRedacted(t *testing.T) {
	var buf lockedBuffer
	var res middleware.Result
	token := remember(forge("dk", "AAAAAAAAAAAA"))
	mw, err := middleware.New(middleware.Config{
		Authenticator: authFunc(func(_ context.Context, tok string) (apikey.Principal, error) {
			return apikey.Principal{}, errors.New("backend refused " + tok + " and dk_BBBBBBBBBBBB_" + strings.Repeat("C", 38))
		}),
		Logger:   slog.New(slog.NewTextHandler(&buf, nil)),
		OnResult: func(_ *http.Request, r middleware.Result) { res = r },
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, serve(mw.Handler(whoami), request("GET", "/", "Bearer "+token)), 500, "internal_error", token)
	out := buf.String()
	if strings.Contains(out, token) || keytest.Text.MatchString(out) || !strings.Contains(out, "backend refused [REDACTED]") {
		t.Errorf("log: %s", out)
	}
	if res.Err == nil || strings.Contains(res.Err.Error(), token) || errors.Unwrap(res.Err) != nil {
		t.Errorf("Result.Err = %v", res.Err)
	}
}
