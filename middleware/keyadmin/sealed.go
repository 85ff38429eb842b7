package keyadmin

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/driive/keyauth/apikey"
)

// A sealed flash is a cookie named after its token, whose value is
// base64url(nonce || AES-256-GCM(Config.FlashKey, JSON of the flash)),
// with the token as additional data: a cookie moved to another token, or
// altered, does not open. It is HttpOnly, SameSite=Strict, limited to the
// page's path, Secure when the request's own connection is TLS (behind a
// TLS-terminating proxy it is not: the value is sealed either way), and
// lives flashTTL; the answer that opens it deletes it. A copy of the
// cookie made before that answer would open again within its five
// minutes: no instance remembers it was opened, and HttpOnly keeps page
// scripts from making one.

const flashCookiePrefix = "keyadmin_flash_"

// maxSealedCookie bounds what open decodes: a sealed flash is well under
// 1 KiB; browsers keep at most 4 KiB per cookie.
const maxSealedCookie = 4096

// errFlashKeyLen: Config.FlashKey must be an AES-256 key.
var errFlashKeyLen = errors.New("keyadmin: Config.FlashKey must be 32 bytes (for example 32 bytes from crypto/rand, shared by every instance)")

type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) != 32 {
		return nil, errFlashKeyLen
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &sealer{aead}, nil
}

// sealedFlash is what a cookie holds: a flash with exported fields.
type sealedFlash struct {
	Actor    string      `json:"a"`
	Org      string      `json:"o"`
	Key      *apikey.Key `json:"k,omitempty"` // nil for a notice
	Text     string      `json:"t,omitempty"`
	Replaces string      `json:"r,omitempty"`
	Notice   string      `json:"n,omitempty"`
	Expires  int64       `json:"e"` // unix ns
}

func additionalData(token string) []byte { return []byte("keyadmin flash\x00" + token) }

// cookie seals f into the cookie of token for the page at path.
func (s *sealer) cookie(token, path string, secure bool, f flash) (*http.Cookie, error) {
	sf := sealedFlash{Actor: f.actor, Org: f.org, Text: f.text.reveal(), Replaces: f.replaces,
		Notice: f.notice, Expires: f.expires.UnixNano()}
	if f.notice == "" {
		sf.Key = &f.key
	}
	plain, err := json.Marshal(sf)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	sealed := s.aead.Seal(nonce, nonce, plain, additionalData(token))
	clear(plain)
	// #nosec G124 -- Secure exactly when this connection is TLS (no
	// client-sent header decides it); over plain HTTP a Secure cookie would
	// never come back, and the value is sealed either way.
	return &http.Cookie{Name: flashCookiePrefix + token, Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: path, MaxAge: int(flashTTL / time.Second), HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode}, nil
}

// open finds, deletes and opens the cookie of token. Anything that is not
// a cookie this package sealed for token opens as nothing.
func (s *sealer) open(w http.ResponseWriter, r *http.Request, token, path string) (flash, bool) {
	c, err := r.Cookie(flashCookiePrefix + token)
	if err != nil {
		return flash{}, false
	}
	// #nosec G124 -- the deletion of the cookie above, with its attributes
	http.SetCookie(w, &http.Cookie{Name: c.Name, Path: path, MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return s.unseal(token, c.Value)
}

// unseal opens value, the cookie of token.
func (s *sealer) unseal(token, value string) (flash, bool) {
	if len(value) > maxSealedCookie {
		return flash{}, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(sealed) < s.aead.NonceSize()+s.aead.Overhead() {
		return flash{}, false
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], additionalData(token))
	if err != nil {
		return flash{}, false
	}
	defer clear(plain)
	var sf sealedFlash
	if err := json.Unmarshal(plain, &sf); err != nil {
		return flash{}, false
	}
	f := flash{actor: sf.Actor, org: sf.Org, replaces: sf.Replaces, notice: sf.Notice,
		text: keyText{&sf.Text}, expires: time.Unix(0, sf.Expires)}
	if sf.Key != nil {
		f.key = *sf.Key
	} else if f.notice == "" {
		return flash{}, false // neither a key nor a notice: not ours
	}
	return f, true
}
