package testdb

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of ending
// the real test; like testing.T, it stops the goroutine that calls them.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func TestNoServerSkipsOrFails(t *testing.T) {
	saved := dockerReachable
	dockerReachable = func() bool { return false }
	t.Cleanup(func() { dockerReachable = saved })
	for _, tc := range []struct {
		require   string
		wantSkip  bool
		wantFatal bool
	}{
		{"", true, false},
		{"1", false, true},
	} {
		t.Run("KEYAUTH_REQUIRE_DB="+tc.require, func(t *testing.T) {
			t.Setenv(PostgresEnv, "")
			t.Setenv(RequireEnv, tc.require)
			r := &recorder{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				Postgres(r)
			}()
			<-done
			if (r.skipped != "") != tc.wantSkip || (r.fatal != "") != tc.wantFatal {
				t.Fatalf("skipped %q, fatal %q", r.skipped, r.fatal)
			}
			if msg := r.skipped + r.fatal; !strings.Contains(msg, "set "+PostgresEnv) {
				t.Fatalf("message %q does not say which variable to set", msg)
			}
		})
	}
}
