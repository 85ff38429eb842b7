package keyadmin

import (
	"crypto/rand"
	"net/http"
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
// one GET that shows it: a one-time flash. The URL holds only a random
// token that works once, for the actor who made the key; the text is
// never in a URL. Without Config.FlashKey it waits in this Handler's
// memory; with it, in a cookie sealed under that key (sealed.go), so that
// the GET may reach any instance that shares the key.
type flashes struct {
	now    func() time.Time
	sealer *sealer // nil: in memory

	mu sync.Mutex
	m  map[string]*flash
}

// flash is one new key waiting to be shown.
type flash struct {
	actor    string // only this actor may take it
	org      string
	key      apikey.Key
	text     keyText
	replaces string // the prefix of the key it replaces, for a rotation
	notice   string // a notice instead of a key ("key revoked")
	expires  time.Time
}

// keyText is a new key's text while its flash waits. Like apikey.Secret
// it prints as an address, never as the text: fmt does not follow a
// pointer below the top level.
type keyText struct{ p *string }

func newKeyText(s apikey.Secret) keyText {
	t := s.Reveal()
	return keyText{&t}
}

func (t keyText) reveal() string {
	if t.p == nil {
		return ""
	}
	return *t.p
}

func newFlashes(now func() time.Time, s *sealer) *flashes {
	return &flashes{now: now, sealer: s, m: make(map[string]*flash)}
}

// put keeps f and returns the token that takes it. Sealed, f goes into a
// cookie of w for the page at path.
func (fs *flashes) put(w http.ResponseWriter, r *http.Request, path string, f flash) (string, error) {
	token := rand.Text()
	now := fs.now()
	f.expires = now.Add(flashTTL)
	if fs.sealer != nil {
		c, err := fs.sealer.cookie(token, path, r.TLS != nil, f)
		if err != nil {
			return "", err
		}
		http.SetCookie(w, c)
		return token, nil
	}
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
	return token, nil
}

// take returns the flash of token and forgets it, if it is live and the
// actor's and the organization's. A second take of the same token finds
// nothing: in memory it is gone; sealed, the answer deletes the cookie.
func (fs *flashes) take(w http.ResponseWriter, r *http.Request, path, token, actor, org string) (flash, bool) {
	if fs.sealer != nil {
		f, ok := fs.sealer.open(w, r, token, path)
		if !ok || f.actor != actor || f.org != org || !fs.now().Before(f.expires) {
			return flash{}, false
		}
		return f, true
	}
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
