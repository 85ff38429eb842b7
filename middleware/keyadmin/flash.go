package keyadmin

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/driive/keyauth/apikey"
)

// flashTTL is how long a new key waits to be shown: the redirect after
// the POST that made it is followed at once; a key nobody came for is
// dropped.
const flashTTL = 5 * time.Minute

// maxFlashes bounds the memory of keys waiting to be shown. Past it the
// oldest is dropped: its creator sees "already shown" and rotates.
const maxFlashes = 1000

// flashes keeps each new key's text between the POST that made it and the
// one GET that shows it: a one-time, server-side flash. The text is never
// in a URL or a cookie; the URL holds only a random token that works once,
// for the actor who made the key.
type flashes struct {
	now func() time.Time

	mu sync.Mutex
	m  map[string]*flash
}

// flash is one new key waiting to be shown.
type flash struct {
	actor    string // only this actor may take it
	org      string
	key      apikey.Key
	secret   apikey.Secret
	replaces string // the prefix of the key it replaces, for a rotation
	notice   string // a notice instead of a key ("key revoked")
	expires  time.Time
}

func newFlashes(now func() time.Time) *flashes {
	return &flashes{now: now, m: make(map[string]*flash)}
}

// put keeps f and returns the token that takes it.
func (fs *flashes) put(f flash) string {
	token := rand.Text()
	now := fs.now()
	f.expires = now.Add(flashTTL)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var oldest string
	for k, v := range fs.m {
		if !now.Before(v.expires) {
			delete(fs.m, k)
			continue
		}
		if oldest == "" || v.expires.Before(fs.m[oldest].expires) {
			oldest = k
		}
	}
	if len(fs.m) >= maxFlashes {
		delete(fs.m, oldest)
	}
	fs.m[token] = &f
	return token
}

// take returns the flash of token and forgets it, if it is live and the
// actor's and the organization's. A second take of the same token finds
// nothing.
func (fs *flashes) take(token, actor, org string) (flash, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f, ok := fs.m[token]
	if !ok || f.actor != actor || f.org != org {
		return flash{}, false
	}
	delete(fs.m, token)
	if !fs.now().Before(f.expires) {
		return flash{}, false
	}
	return *f, true
}
