package apikey_test

import (
	"context"
	"errors"
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

func TestPathString(t *testing.T) {
	for p, want := range map[apikey.Path]string{apikey.PathNone: "none", apikey.PathCached: "cached", apikey.PathCold: "cold", 7: "Path(7)"} {
		if got := p.String(); got != want {
			t.Errorf("Path(%d).String() = %q, want %q", p, got, want)
		}
	}
}

// TestAuthenticatePath: each kind of request is answered by the path it
// names, with Authenticate's answer.
func TestAuthenticatePath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.sync()
	k, token := e.key("org1")
	_, other := e.key("org2")
	steps := []struct {
		name  string
		token string
		path  apikey.Path
		err   error
	}{
		{"not a key", "not-a-key", apikey.PathNone, apikey.ErrInvalidKey},
		{"bad checksum", keytest.BadChecksum(token), apikey.PathNone, apikey.ErrInvalidKey},
		{"first use", token, apikey.PathCold, nil},
		{"cached", token, apikey.PathCached, nil},
		{"another text under a cached id", keytest.WrongSecret(token), apikey.PathCached, apikey.ErrInvalidKey},
		{"wrong secret, not cached", keytest.WrongSecret(other), apikey.PathCold, apikey.ErrInvalidKey},
		{"unknown id", keytest.Forge(apikey.DefaultPrefix, ""), apikey.PathCold, apikey.ErrInvalidKey},
	}
	for _, s := range steps {
		p, path, err := e.svc.AuthenticatePath(t.Context(), s.token)
		watchErr(err)
		if path != s.path || !errors.Is(err, s.err) || (err == nil) != (p.KeyID == k.ID) {
			t.Errorf("%s: %+v, %v, %v; want path %v, error %v", s.name, p, path, err, s.path, s.err)
		}
		if err != nil && p != (apikey.Principal{}) {
			t.Errorf("%s: a refusal with a Principal: %+v", s.name, p)
		}
	}
	if p1, err := e.auth(token); err != nil || p1.KeyID != k.ID {
		t.Fatalf("Authenticate: %+v, %v", p1, err)
	}
	if st := e.svc.Stats(); st.CacheMisses != 3 || st.HashRuns != 1 {
		t.Errorf("cold paths: %d misses (want 3), %d argon2id runs (want 1)", st.CacheMisses, st.HashRuns)
	}
	if err := e.svc.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, path, err := e.svc.AuthenticatePath(t.Context(), token); path != apikey.PathNone || !errors.Is(err, apikey.ErrClosed) {
		t.Errorf("after Close: %v, %v; want none, ErrClosed", path, err)
	}
}

// TestAuthenticatePathAllocs: the cached path allocates nothing, through
// Authenticate or AuthenticatePath.
func TestAuthenticatePathAllocs(t *testing.T) {
	e := newEnv(t)
	e.sync()
	_, token := e.key("org1")
	mustAuth(t, e, token)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { _, _ = e.svc.Authenticate(ctx, token) }); n != 0 {
		t.Errorf("Authenticate, cached: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = e.svc.AuthenticatePath(ctx, token) }); n != 0 {
		t.Errorf("AuthenticatePath, cached: %v allocations", n)
	}
}

type hookKey struct{}

// ctxStore records the hookKey value of each Get's context.
type ctxStore struct {
	apikey.Store
	gets []any
}

func (s *ctxStore) Get(ctx context.Context, id string) (apikey.Record, error) {
	s.gets = append(s.gets, ctx.Value(hookKey{}))
	return s.Store.Get(ctx, id)
}

// TestColdPathHook: the hook sees every cold path and no other, with the
// key id; the store is read under the context it returns; done gets
// Authenticate's answer.
func TestColdPathHook(t *testing.T) {
	type call struct {
		id, org string
		err     error
	}
	var begun []string
	var ended []call
	hook := func(ctx context.Context, id string) (context.Context, func(apikey.Principal, error)) {
		begun = append(begun, id)
		return context.WithValue(ctx, hookKey{}, id), func(p apikey.Principal, err error) {
			ended = append(ended, call{p.KeyID, p.OrgID, err})
		}
	}
	store := &ctxStore{}
	e := newEnv(t, func(c *apikey.Config) {
		store.Store = c.Store
		c.Store = store
		c.ColdPath = hook
	})
	e.sync()
	k, token := e.key("org1")
	unknown := keytest.Forge(apikey.DefaultPrefix, "")
	unknownID, _ := apikey.Parse(unknown)
	mustAuth(t, e, token)                                               // cold
	mustAuth(t, e, token)                                               // cached
	wantAuthErr(t, e, keytest.WrongSecret(token), apikey.ErrInvalidKey) // cached id
	wantAuthErr(t, e, "not-a-key", apikey.ErrInvalidKey)                // no lookup
	wantAuthErr(t, e, unknown, apikey.ErrInvalidKey)                    // cold
	if len(begun) != 2 || begun[0] != k.ID || begun[1] != unknownID {
		t.Fatalf("hook called for %q, want %s and %s", begun, k.ID, unknownID)
	}
	if len(ended) != 2 || ended[0] != (call{k.ID, "org1", nil}) || ended[1].id != "" || !errors.Is(ended[1].err, apikey.ErrInvalidKey) {
		t.Fatalf("done called with %+v", ended)
	}
	if len(store.gets) != 2 || store.gets[0] != k.ID || store.gets[1] != unknownID {
		t.Fatalf("store reads under contexts %v, want the hook's", store.gets)
	}
}

// TestColdPathHookNilResults: a hook may return a nil context and a nil
// done.
func TestColdPathHookNilResults(t *testing.T) {
	calls := 0
	e := newEnv(t, func(c *apikey.Config) {
		c.ColdPath = func(context.Context, string) (context.Context, func(apikey.Principal, error)) {
			calls++
			return nil, nil
		}
	})
	_, token := e.key("org1")
	mustAuth(t, e, token)
	if calls != 1 {
		t.Fatalf("hook called %d times", calls)
	}
}
