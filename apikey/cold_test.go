package apikey_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/driive/keyauth/apikey"
)

// A cold-path verification that read the key before a concurrent
// revocation must not leave the key usable once the revocation is known.
func TestColdPathReadBeforeRevokeDoesNotCacheALiveKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		desc   string
		revoke func(t *testing.T, e *env, k apikey.Key)
	}{
		{"revoked on this instance", func(t *testing.T, e *env, k apikey.Key) {
			if _, err := e.svc.Revoke(t.Context(), "org1", k.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"revoked by another instance, then Sync", func(t *testing.T, e *env, k apikey.Key) {
			if _, err := e.sibling().svc.Revoke(t.Context(), "org1", k.ID); err != nil {
				t.Fatal(err)
			}
			e.sync()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			e, fs := newFaultEnv(t)
			k, token := e.key("org1")
			e.sync() // fresh feed: once cached, the key is trusted without the store

			read := make(chan struct{})
			release := make(chan struct{})
			var calls atomic.Int32
			fs.set(func(f *faultStore) {
				f.afterGet = func(r apikey.Record) {
					if calls.Add(1) == 1 {
						if r.Revoked() {
							t.Error("the first read already sees the revocation")
						}
						close(read)
						<-release
					}
				}
			})
			done := make(chan error, 1)
			go func() {
				_, err := e.auth(token)
				done <- err
			}()
			<-read // the request holds the live record
			tt.revoke(t, e, k)
			close(release)
			inFlight := <-done
			if inFlight != nil && !errors.Is(inFlight, apikey.ErrKeyRevoked) {
				t.Fatalf("in-flight request: %v", inFlight)
			}
			wantAuthErr(t, e, token, apikey.ErrKeyRevoked)
			wantAuthErr(t, e, token, apikey.ErrKeyRevoked)
			if calls.Load() < 2 {
				t.Fatal("the verification did not re-read the key after the revocation")
			}
			if st := e.svc.Stats(); st.HashRuns != 1 {
				t.Fatalf("HashRuns = %d, want 1", st.HashRuns)
			}
		})
	}
}
