package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/store/memstore"
)

// TestMinimal runs the service in-process on a loopback port and checks
// docs/http-contract.md end to end: the printed key works, no key is 401, another
// organization is 404, a read key cannot POST, and shutdown is clean and
// writes the last-used time.
func TestMinimal(t *testing.T) {
	store := memstore.New()
	svc, err := apikey.NewService(apikey.Config{Store: store, Hash: apikey.HashParams{Memory: 8 * 1024, Iterations: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, "127.0.0.1:0", svc, pw)
		pw.Close()
	}()
	out := bufio.NewReader(pr)
	first, err := out.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the key line: %v", err)
	}
	key := apikey.Pattern.FindString(strings.TrimSpace(first[strings.LastIndex(first, " ")+1:]))
	if key == "" {
		t.Fatalf("no key in %q", first)
	}
	curl, _ := out.ReadString('\n')
	m := regexp.MustCompile(`(http://\S+)/v1/organizations/demo/whoami`).FindStringSubmatch(curl)
	if m == nil || !strings.Contains(curl, "Authorization: Bearer "+key) {
		t.Fatalf("no curl line with the key and URL: %q", curl)
	}
	base := m[1]
	go func() { _, _ = io.Copy(io.Discard, out) }() // anything printed later

	_, readSecret, err := svc.Create(ctx, apikey.CreateParams{OrgID: "demo", Name: "read", Permission: apikey.Read})
	if err != nil {
		t.Fatal(err)
	}
	readKey := readSecret.Reveal()

	tests := map[string]struct {
		method, path, key string
		status            int
		code              string
	}{
		"the printed key":           {"GET", "/v1/organizations/demo/whoami", key, 200, ""},
		"no key":                    {"GET", "/v1/organizations/demo/whoami", "", 401, "missing_api_key"},
		"another organization":      {"GET", "/v1/organizations/other/whoami", key, 404, "not_found"},
		"read key on POST":          {"POST", "/v1/organizations/demo/pings", readKey, 403, "insufficient_permission"},
		"read key on GET":           {"GET", "/v1/organizations/demo/whoami", readKey, 200, ""},
		"write key on POST":         {"POST", "/v1/organizations/demo/pings", key, 201, ""},
		"wrong secret":              {"GET", "/v1/organizations/demo/whoami", key[:20] + strings.Repeat("x", len(key)-20), 401, "invalid_api_key"},
		"key in the query string":   {"GET", "/v1/organizations/demo/whoami?api_key=" + key, "", 401, "missing_api_key"},
		"unrouted path, no key":     {"GET", "/nothing", "", 404, ""},
		"whoami of another org key": {"GET", "/v1/organizations/other/whoami", readKey, 404, "not_found"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.key != "" {
				req.Header.Set("Authorization", "Bearer "+tc.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.code != "" && !strings.Contains(string(body), `"code":"`+tc.code+`"`) {
				t.Errorf("body %s, want code %s", body, tc.code)
			}
			if strings.Contains(string(body), key) || strings.Contains(string(body), readKey) {
				t.Errorf("a key came back in the body")
			}
		})
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
	id, err := apikey.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	k, err := store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if k.LastUsedAt.IsZero() {
		t.Error("the last-used time was not written at shutdown")
	}
}
