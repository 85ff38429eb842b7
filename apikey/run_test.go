package apikey_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
)

func TestRunFlushesAndCloseStopsIt(t *testing.T) {
	e, fs := newFaultEnv(t, func(c *apikey.Config) {
		c.Now = nil
		c.SyncInterval = 10 * time.Millisecond
		c.FlushInterval = 20 * time.Millisecond
	})
	k, token := e.key("org1")
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(context.Background()) }()
	mustAuth(t, e, token)
	for deadline := time.Now().Add(5 * time.Second); len(fs.batches()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run wrote no last-used time")
		}
	}
	if r, _ := e.mem.Get(t.Context(), k.ID); r.LastUsedAt.IsZero() {
		t.Fatal("last used not stored")
	}
	if err := e.svc.Run(t.Context()); err == nil {
		t.Fatal("a second Run started")
	}
	if err := e.svc.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop Run")
	}
}

func TestRunLogsStoreOutagesOnceWithoutKeys(t *testing.T) {
	e, fs := newFaultEnv(t, func(c *apikey.Config) {
		c.Now = nil
		c.SyncInterval = 5 * time.Millisecond
		c.FlushInterval = 5 * time.Millisecond
	})
	_, token := e.key("org1")
	mustAuth(t, e, token)
	fs.set(func(f *faultStore) { f.failChanges, f.failUse = true, true })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); e.svc.Run(ctx) }()
	for deadline := time.Now().Add(5 * time.Second); e.svc.Stats().SyncFailures < 5 || e.svc.Stats().FlushFailures < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Run did not keep trying: %+v", e.svc.Stats())
		}
	}
	fs.set(func(f *faultStore) { f.failChanges, f.failUse = false, false })
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(e.logs.String(), "available again"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no recovery logged")
		}
	}
	cancel()
	<-done
	logs := e.logs.String()
	if n := strings.Count(logs, "change feed unavailable"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, logs)
	}
	if n := strings.Count(logs, "writing last-used times failed"); n != 1 {
		t.Fatalf("flush failure logged %d times, want once:\n%s", n, logs)
	}
	if strings.Contains(logs, token) || strings.Contains(logs, token[16:]) {
		t.Fatal("a log line holds the key")
	}
}
