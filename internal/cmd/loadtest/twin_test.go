package main

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestTwin: the no-auth twin still compiles against the example's code,
// seeds keys, and serves: its no-auth listener answers without a key, and
// its own server still authenticates (a seeded key passes, no key gets
// 401). A change in the example shows up here, not in the middle of a load
// report.
func TestTwin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := repoRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env := &environment{root: root, tmp: t.TempDir()}
	twin, err := env.twinBinary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	env.bin = twin
	db := env.sqlite("twin")
	keys, err := env.seedKeys(ctx, db, "demo", 2)
	if err != nil {
		t.Fatal(err)
	}
	noAuthAddr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	const path = "/v1/organizations/demo/appointments"
	vars := []string{"LOADTEST_TWIN_NOAUTH_ADDR=" + noAuthAddr, "LOADTEST_TWIN_DB=" + db}
	st, err := env.session(ctx, twin, "twin", db, vars, func(srv *server) error {
		noAuthURL := "http://" + noAuthAddr + path
		if err := waitOK(ctx, noAuthURL, time.Minute); err != nil {
			return err
		}
		for _, c := range []struct {
			url  string
			h    http.Header
			want int
		}{
			{noAuthURL, nil, http.StatusOK},
			{srv.base + path, nil, http.StatusUnauthorized},
			{srv.base + path, bearer(keys[0]), http.StatusOK},
			{srv.base + path, bearer(keys[1]), http.StatusOK},
		} {
			code, err := get(ctx, c.url, c.h)
			if err != nil {
				return err
			}
			if code != c.want {
				t.Errorf("GET %s (key: %v): %d, want %d", c.url, c.h != nil, code, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.HashRuns != 2 {
		t.Errorf("the twin's server logged %d argon2id runs, want 2 (one per seeded key)", st.HashRuns)
	}
}
