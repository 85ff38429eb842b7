package secretscan_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/internal/secretscan"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/store/memstore"
)

// failingStore is a memstore whose reads fail on demand with an error that
// names the id it was asked for, as a driver's error might.
type failingStore struct {
	apikey.Store
	fail atomic.Bool
}

func (s *failingStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	if s.fail.Load() {
		return apikey.Record{}, fmt.Errorf("connection reset while reading key %s", id)
	}
	return s.Store.Get(ctx, id)
}

// TestNoKeyInOutput runs the core and the middleware through creation,
// authentication, revocation, rotation, listing, every error and a
// panicking hook, with every log line, error string, panic message,
// formatted value and HTTP answer routed through the scanner, and fails on
// any plaintext key. The one place a key may appear is Secret.Reveal.
func TestNoKeyInOutput(t *testing.T) {
	ctx := t.Context()
	logs := &secretscan.Recorder{Name: "slog"}
	texts := &secretscan.Recorder{Name: "errors and values"}
	bodies := &secretscan.Recorder{Name: "HTTP answers"}
	defer secretscan.AssertClean(t, logs, texts, bodies)

	now := time.Now()
	clock := func() time.Time { return now }
	store := &failingStore{Store: memstore.New()}
	svc, err := apikey.NewService(apikey.Config{
		Store: store, Logger: secretscan.Logger(logs), Now: clock,
		Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string // every plaintext key, to check the scanner sees them
	create := func(org string, p apikey.Permission, exp time.Time) (apikey.Key, string) {
		k, s, err := svc.Create(ctx, apikey.CreateParams{OrgID: org, Name: "key of " + org, Permission: p, ExpiresAt: exp})
		if err != nil {
			t.Fatal(err)
		}
		// Every way of printing the Secret and the Key redacts.
		js, _ := json.Marshal(map[string]any{"secret": s, "key": k})
		texts.Check("formatted Secret and Key", fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s),
			fmt.Sprintf("%v %+v %#v", k, k, k), string(js))
		secretscan.Logger(logs).Info("created", "secret", s, "key", k)
		keys = append(keys, s.Reveal())
		return k, s.Reveal()
	}
	check := func(what string, err error) {
		if err != nil {
			texts.Check(what, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
	}

	writeKey, write := create("acme", apikey.Write, time.Time{})
	_, read := create("acme", apikey.Read, time.Time{})
	_, other := create("globex", apikey.Write, time.Time{})
	expKey, expiring := create("acme", apikey.Read, now.Add(time.Hour))
	_ = expKey
	revKey, revoked := create("acme", apikey.Write, time.Time{})
	if _, err := svc.Revoke(ctx, "acme", revKey.ID); err != nil {
		t.Fatal(err)
	}
	// Every Authenticate outcome, with the token in the error's reach.
	wrong := keytest.WrongSecret(write)
	tokens := []string{write, read, other, expiring, revoked, wrong, write[:len(write)-1] + "x", "dk_short", write + write}
	for _, tok := range tokens {
		_, err := svc.Authenticate(ctx, tok)
		check("Authenticate", err)
	}
	for range 5 { // past the failure budget
		_, err := svc.Authenticate(ctx, wrong)
		check("Authenticate over budget", err)
	}
	now = now.Add(2 * time.Hour)
	_, err = svc.Authenticate(ctx, expiring)
	check("Authenticate expired", err)
	// Refusals of the management calls, with key text where ids belong.
	_, err = svc.Revoke(ctx, "acme", write)
	check("Revoke by key", err)
	_, err = svc.Get(ctx, "acme", write)
	check("Get by key", err)
	_, err = svc.Revoke(ctx, "globex", writeKey.ID)
	check("Revoke another org's key", err)
	_, _, err = svc.Rotate(ctx, apikey.RotateParams{OrgID: "acme", ID: write})
	check("Rotate by key", err)
	_, _, err = svc.Rotate(ctx, apikey.RotateParams{OrgID: "acme", ID: revKey.ID})
	check("Rotate revoked", err)
	_, _, err = svc.Create(ctx, apikey.CreateParams{OrgID: "acme", Name: "", Permission: apikey.Write})
	check("Create without name", err)
	_, _, err = svc.Create(ctx, apikey.CreateParams{OrgID: write, Name: "x", Permission: apikey.Write})
	check("Create with a key as org", err)
	newKey, newSecret, err := svc.Rotate(ctx, apikey.RotateParams{OrgID: "acme", ID: writeKey.ID, Grace: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	keys = append(keys, newSecret.Reveal())
	texts.Check("rotated", fmt.Sprintf("%v %+v %v", newKey, newSecret, newSecret))
	page, err := svc.List(ctx, "acme", apikey.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(page)
	texts.Check("List", fmt.Sprintf("%+v", page), string(js))
	if _, err := svc.List(ctx, "acme", apikey.ListOptions{Cursor: write}); err != nil {
		check("List with a key as cursor", err)
	}
	// Store failures, logged and returned.
	store.fail.Store(true)
	_, err = svc.Authenticate(ctx, newSecret.Reveal())
	check("Authenticate, store down", err)
	store.fail.Store(false)
	check("Flush", svc.Flush(ctx))
	check("Sync", svc.Sync(ctx))

	// The middleware, with a hook that panics with the request's
	// Authorization header and a logger.
	mw, err := middleware.New(middleware.Config{
		Authenticator: svc, Logger: secretscan.Logger(logs),
		OnResult: func(r *http.Request, res middleware.Result) {
			if res.Err != nil {
				texts.Check("Result.Err", res.Err.Error())
			}
			if strings.Contains(r.URL.Path, "panic") {
				panic("hook saw " + r.Header.Get("Authorization"))
			}
			if strings.Contains(r.URL.Path, "error-panic") {
				panic(errors.New("hook saw " + r.Header.Get("Authorization")))
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/organizations/{orgId}/", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := apikey.FromContext(r.Context())
		json.NewEncoder(w).Encode(p)
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct{ path, auth string }{
		{"/v1/organizations/acme/x", "Bearer " + newSecret.Reveal()},
		{"/v1/organizations/acme/x", "Bearer " + read},
		{"/v1/organizations/acme/x", "bearer " + write}, // in its grace period
		{"/v1/organizations/acme/x", "Bearer " + other},
		{"/v1/organizations/globex/x", "Bearer " + read},
		{"/v1/organizations/acme/x", "Bearer " + revoked},
		{"/v1/organizations/acme/x", "Bearer " + expiring},
		{"/v1/organizations/acme/x", "Bearer " + wrong},
		{"/v1/organizations/acme/x", "Bearer\t" + read},
		{"/v1/organizations/acme/x", "Basic " + read},
		{"/v1/organizations/acme/x", "Bearer " + read + " " + read},
		{"/v1/organizations/acme/" + read, "Bearer " + read},
		{"/v1/organizations/acme/x?api_key=" + read, ""},
		{"/v1/organizations/acme/panic", "Bearer " + read},
		{"/v1/organizations/acme/panic", "Bearer " + wrong},
		{"/v1/organizations/acme/error-panic", "Bearer " + other},
	} {
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+tc.path, strings.NewReader("{}"))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var hdr strings.Builder
		res.Header.Write(&hdr)
		bodies.Check(tc.path, string(b), hdr.String())
	}
	// The store fails while the middleware asks: 503, logged.
	store.fail.Store(true)
	_, fresh := create("acme", apikey.Read, time.Time{})
	req := httptest.NewRequest("GET", "/v1/organizations/acme/x", nil)
	req.Header.Set("Authorization", "Bearer "+fresh)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d %s", rec.Code, rec.Body)
	}
	bodies.Check("503", rec.Body.String())
	store.fail.Store(false)
	check("Close", svc.Close(ctx))

	// The scanner would have seen the keys: each one is a finding.
	for _, k := range keys {
		if f := secretscan.ScanString("x " + k + " y"); len(f) != 1 || !f[0].Valid {
			t.Fatalf("the scanner misses a minted key (%s): %v", k[:15], f)
		}
	}
	// The output went through the recorders at all.
	if n := logs.Lines(); n < 20 {
		t.Fatalf("only %d log lines were recorded", n)
	}
}
