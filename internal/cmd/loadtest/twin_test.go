package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestTwinBuilds: the no-auth twin still compiles against the example's
// code, so a change there shows up here and not in the middle of a load
// report.
func TestTwinBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := repoRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := buildTwin(ctx, root, dir, filepath.Join(dir, "twin")); err != nil {
		t.Fatal(err)
	}
}
