package middleware_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware"
)

// TestBadInput sends bad inputs (the header rules of docs/http-contract.md
// and keys broken in every way), and a few good ones beside them, through a real Service on a counting store. Each
// case asserts status and code, that the request wrote nothing to the
// store, and that a last-used time was recorded (at the next flush) only
// when the key's secret was proven.
func TestBadInput(t *testing.T) {
	const path = "/v1/organizations/acme/whoami"
	type tc struct {
		status int
		code   string
		// req builds the request; it may change the env first.
		req func(t *testing.T, e *env) *http.Request
		// svc and mw adjust the Service's and the Middleware's config.
		svc func(*apikey.Config)
		mw  func(*middleware.Config)
		// hashRuns, when >= 0, is the argon2id runs the request may cost.
		hashRuns int
	}
	hdr := func(method, target string, auth ...string) func(*testing.T, *env) *http.Request {
		return func(*testing.T, *env) *http.Request { return request(method, target, auth...) }
	}
	with := func(method string, auth func(e *env) string) func(*testing.T, *env) *http.Request {
		return func(_ *testing.T, e *env) *http.Request { return request(method, path, auth(e)) }
	}
	bearer := func(key func(e *env) string) func(*testing.T, *env) *http.Request {
		return with("GET", func(e *env) string { return "Bearer " + key(e) })
	}
	write := func(e *env) string { return e.write }
	read := func(e *env) string { return e.read }
	corrupt := func(hash string) func(*testing.T, *env) *http.Request {
		return func(_ *testing.T, e *env) *http.Request {
			e.store.set(func(s *countingStore) { s.hashes[e.writeKey.ID] = hash })
			return request("GET", path, "Bearer "+e.write)
		}
	}
	warm := func(t *testing.T, e *env, key string) {
		t.Helper()
		if rec := serve(e.mux, request("GET", path, "Bearer "+key)); rec.Code != 200 {
			t.Fatalf("warming the cache: %d %s", rec.Code, rec.Body)
		}
	}
	expiring := func(offset time.Duration) func(*testing.T, *env) *http.Request {
		return func(t *testing.T, e *env) *http.Request {
			at := e.clock.Now().Add(time.Hour)
			_, k := e.create(t, "acme", apikey.Read, at)
			warm(t, e, k)
			e.clock.Set(at.Add(offset))
			return request("GET", path, "Bearer "+k)
		}
	}
	const salt, key = "c2FsdHNhbHRzYWx0c2FsdA", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	tests := map[string]tc{
		"no header":                     {401, "missing_api_key", hdr("GET", path), nil, nil, 0},
		"empty header":                  {401, "missing_api_key", hdr("GET", path, ""), nil, nil, 0},
		"another scheme":                {401, "missing_api_key", hdr("GET", path, "Basic YWNtZTpzZWNyZXQ="), nil, nil, 0},
		"scheme glued to the key":       {401, "missing_api_key", with("GET", func(e *env) string { return "Bearer" + e.write }), nil, nil, 0},
		"lower-case bearer":             {200, "", with("GET", func(e *env) string { return "bearer " + e.write }), nil, nil, 1},
		"upper-case BEARER":             {200, "", with("GET", func(e *env) string { return "BEARER " + e.write }), nil, nil, 1},
		"bare Bearer":                   {400, "invalid_request", hdr("GET", path, "Bearer"), nil, nil, 0},
		"Bearer and spaces only":        {400, "invalid_request", hdr("GET", path, "Bearer    "), nil, nil, 0},
		"tab after the scheme":          {400, "invalid_request", with("GET", func(e *env) string { return "Bearer\t" + e.write }), nil, nil, 0},
		"several spaces":                {200, "", with("GET", func(e *env) string { return "Bearer      " + e.write }), nil, nil, 1},
		"space inside the token":        {400, "invalid_request", with("GET", func(e *env) string { return "Bearer " + e.write[:10] + " " + e.write[10:] }), nil, nil, 0},
		"trailing text after the token": {400, "invalid_request", with("GET", func(e *env) string { return "Bearer " + e.write + " x" }), nil, nil, 0},
		"padding inside the token":      {400, "invalid_request", hdr("GET", path, "Bearer dk_ab=cd"), nil, nil, 0},
		"two Authorization headers": {400, "invalid_request", func(_ *testing.T, e *env) *http.Request {
			return request("GET", path, "Bearer "+e.write, "Bearer "+e.write)
		}, nil, nil, 0},
		"key in the query string only": {401, "missing_api_key", func(_ *testing.T, e *env) *http.Request {
			return request("GET", path+"?api_key="+e.write+"&access_token="+e.write)
		}, nil, nil, 0},
		"8 KiB token":        {401, "invalid_api_key", hdr("GET", path, "Bearer dk_"+strings.Repeat("A", 8<<10)), nil, nil, 0},
		"foreign prefix":     {401, "invalid_api_key", bearer(func(e *env) string { return forge("xk", e.writeKey.ID) }), nil, nil, 0},
		"GitHub-style token": {401, "invalid_api_key", hdr("GET", path, "Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345"), nil, nil, 0},
		"bad checksum":       {401, "invalid_api_key", bearer(func(e *env) string { return badChecksum(e.write) }), nil, nil, 0},
		"truncated key":      {401, "invalid_api_key", bearer(func(e *env) string { return e.write[:len(e.write)-1] }), nil, nil, 0},
		"non-base62 character in the secret": {401, "invalid_api_key",
			bearer(func(e *env) string { return replaceAt(e.write, 20, "-") }), nil, nil, 0},
		"UTF-8 character in the token": {400, "invalid_request",
			bearer(func(e *env) string { return replaceAt(e.write, 20, "é") }), nil, nil, 0},
		"control character in the token": {400, "invalid_request",
			bearer(func(e *env) string { return replaceAt(e.write, 20, "\x01") }), nil, nil, 0},
		"NUL byte in the token": {400, "invalid_request",
			bearer(func(e *env) string { return replaceAt(e.write, 20, "\x00") }), nil, nil, 0},
		"unknown id":   {401, "invalid_api_key", bearer(func(*env) string { return unknownID() }), nil, nil, 0},
		"wrong secret": {401, "invalid_api_key", bearer(func(e *env) string { return wrongSecret(e.write) }), nil, nil, 1},
		"wrong secret for a cached key": {401, "invalid_api_key", func(t *testing.T, e *env) *http.Request {
			warm(t, e, e.write)
			return request("GET", path, "Bearer "+wrongSecret(e.write))
		}, nil, nil, 0},
		"expired key, one nanosecond before": {200, "", expiring(-time.Nanosecond), nil, nil, 0},
		"expired key at the instant":         {401, "api_key_expired", expiring(0), nil, nil, 0},
		"expired key after the instant":      {401, "api_key_expired", expiring(time.Minute), nil, nil, 0},
		"revoked key while cached": {401, "api_key_revoked", func(t *testing.T, e *env) *http.Request {
			warm(t, e, e.write)
			if _, err := e.svc.Revoke(context.Background(), "acme", e.writeKey.ID); err != nil {
				t.Fatal(err)
			}
			return request("GET", path, "Bearer "+e.write)
		}, nil, nil, 0},
		"revoked key not cached": {401, "api_key_revoked", func(t *testing.T, e *env) *http.Request {
			if _, err := e.svc.Revoke(context.Background(), "acme", e.writeKey.ID); err != nil {
				t.Fatal(err)
			}
			return request("GET", path, "Bearer "+e.write)
		}, nil, nil, 1},
		"read key on GET":     {200, "", with("GET", func(e *env) string { return "Bearer " + e.read }), nil, nil, 1},
		"read key on HEAD":    {200, "", with("HEAD", func(e *env) string { return "Bearer " + e.read }), nil, nil, 1},
		"read key on POST":    {403, "insufficient_permission", with("POST", func(e *env) string { return "Bearer " + e.read }), nil, nil, 1},
		"read key on PATCH":   {403, "insufficient_permission", with("PATCH", func(e *env) string { return "Bearer " + e.read }), nil, nil, 1},
		"read key on DELETE":  {403, "insufficient_permission", with("DELETE", func(e *env) string { return "Bearer " + e.read }), nil, nil, 1},
		"write key on DELETE": {200, "", with("DELETE", func(e *env) string { return "Bearer " + e.write }), nil, nil, 1},
		"another org's key on an existing org": {404, "not_found",
			bearer(func(e *env) string { return e.other }), nil, nil, 1},
		"another org's key on a missing org": {404, "not_found", func(_ *testing.T, e *env) *http.Request {
			return request("GET", "/v1/organizations/nosuchorg/whoami", "Bearer "+e.other)
		}, nil, nil, 1},
		"a store that errors": {503, "auth_unavailable", func(_ *testing.T, e *env) *http.Request {
			e.store.set(func(s *countingStore) { s.getErr = errors.New("dial tcp 127.0.0.1:5432: connection refused") })
			return request("GET", path, "Bearer "+e.write)
		}, nil, nil, 0},
		"a store that errors, cached key past MaxStaleness": {503, "auth_unavailable", func(t *testing.T, e *env) *http.Request {
			warm(t, e, e.write)
			e.clock.Advance(time.Second) // the status read when warming is trusted for a second
			e.store.set(func(s *countingStore) { s.getErr = errors.New("connection reset") })
			return request("GET", path, "Bearer "+e.write)
		}, nil, nil, 0},
		"a store that hangs": {503, "auth_unavailable", func(_ *testing.T, e *env) *http.Request {
			e.store.set(func(s *countingStore) { s.hang = true })
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			_ = cancel // the deadline ends it
			return request("GET", path, "Bearer "+e.write).WithContext(ctx)
		}, nil, nil, 0},
		"corrupt stored hash: t=0":     {500, "internal_error", corrupt("$argon2id$v=19$m=8192,t=0,p=1$" + salt + "$" + key), nil, nil, 0},
		"corrupt stored hash: p=0":     {500, "internal_error", corrupt("$argon2id$v=19$m=8192,t=1,p=0$" + salt + "$" + key), nil, nil, 0},
		"corrupt stored hash: no key":  {500, "internal_error", corrupt("$argon2id$v=19$m=8192,t=1,p=1$" + salt + "$"), nil, nil, 0},
		"corrupt stored hash: m=4 GiB": {500, "internal_error", corrupt("$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key), nil, nil, 0},
		"corrupt stored hash: garbage": {500, "internal_error", corrupt("not a hash"), nil, nil, 0},
		"a panicking hook on success": {200, "", bearer(write), nil, func(c *middleware.Config) {
			c.OnResult = func(r *http.Request, _ middleware.Result) { panic("hook saw " + r.Header.Get("Authorization")) }
		}, 1},
		"a panicking hook on failure": {401, "invalid_api_key", bearer(func(e *env) string { return wrongSecret(e.write) }), nil, func(c *middleware.Config) {
			c.OnResult = func(r *http.Request, _ middleware.Result) {
				panic(fmt.Errorf("hook saw %s", r.Header["Authorization"]))
			}
		}, 1},
		"Require(Write) on GET with a read key": {403, "insufficient_permission", func(_ *testing.T, e *env) *http.Request {
			return request("GET", "/v1/organizations/acme/purge", "Bearer "+e.read)
		}, nil, nil, 1},
		"Require(Read) on POST with a read key": {200, "", func(_ *testing.T, e *env) *http.Request {
			return request("POST", "/v1/organizations/acme/reports", "Bearer "+e.read)
		}, nil, nil, 1},
		"read key on POST with a Permission func that says read": {200, "", bearer(read), nil, func(c *middleware.Config) {
			c.Permission = func(*http.Request) apikey.Permission { return apikey.Read }
		}, 1},
		"a Permission func that answers nonsense": {500, "internal_error", bearer(read), nil, func(c *middleware.Config) {
			c.Permission = func(*http.Request) apikey.Permission { return 7 }
		}, 1},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d cases", len(tests))
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tc.svc, tc.mw)
			r := tc.req(t, e)
			ctx := context.Background()
			if err := e.svc.Flush(ctx); err != nil { // what setup used
				t.Fatal(err)
			}
			e.store.reset()
			hashRuns := e.svc.Stats().HashRuns
			rec := serve(e.mux, r)
			checkAnswer(t, rec, tc.status, tc.code, e.read, e.write, e.other)
			if runs := e.svc.Stats().HashRuns - hashRuns; runs > uint64(tc.hashRuns) {
				t.Errorf("argon2id ran %d times, want at most %d", runs, tc.hashRuns)
			}
			e.store.set(func(s *countingStore) { s.getErr, s.hang = nil, false })
			if err := e.svc.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if n := e.store.writes(); n != 0 {
				t.Errorf("%d store writes", n)
			}
			// The Service records a use once the secret is proven, also
			// when the route then refuses the key.
			proven := tc.status == 200 || tc.status == 403 || tc.status == 404 ||
				name == "a Permission func that answers nonsense"
			if used := e.store.recordUses.Load(); proven != (used == 1) {
				t.Errorf("%d last-used writes after a %d", used, tc.status)
			}
		})
	}
}
