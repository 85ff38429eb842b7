package apikey

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
)

// A check tag is stored beside each key's argon2id hash and compared, in
// constant time, before argon2id runs: a wrong secret then costs a SHA-256
// instead of an argon2id run (19 MiB and tens of milliseconds), so a flood
// of guesses can neither burn the hash slots nor lock anyone out.
//
// The tag is the first 32 bits of SHA-256 over a domain-separation label
// and the whole key text, or of HMAC-SHA-256 under Config.TagKey when the
// deployment sets one. 32 bits is the point of the design:
//
//   - Online, a guess passes the tag with probability 2^-32, so an
//     attacker needs about 4 billion requests to make argon2id run once
//     (and then still faces the 190-bit secret).
//   - Offline, an attacker who has stolen the table can test guesses
//     against the tag with SHA-256 alone, but the tag only tells 32 bits:
//     the other 158 bits of the 190-bit secret must still be found through
//     argon2id, about 2^157 runs on average. With Config.TagKey (kept
//     outside the database), the stolen tag tells nothing at all.
//
// The label keeps the tag unrelated to any other SHA-256 of the key text,
// the cache's digest in particular. The tag is written as text, its
// construction first: "s1:" and 8 hex digits for SHA-256; "h1-" and a 4-hex
// fingerprint of the tag key, ":" and 8 hex digits for HMAC. A row whose
// tag has another construction (a tag key added, changed or removed) is
// treated like a row without a tag: argon2id decides, and on success the
// tag is rewritten in the current construction. So changing the tag key
// never refuses a right secret; it only exposes each key to argon2id cost
// from wrong secrets until its next successful verification.
const tagLabel = "keyauth check tag v1\x00"

// tagLen is the hex digits of a tag: 32 bits.
const tagLen = 8

// minTagKeyLen is the shortest Config.TagKey accepted.
const minTagKeyLen = 32

// tagger computes and checks tags in one construction.
type tagger struct {
	scheme string // "s1" or "h1-<fingerprint>"
	key    []byte // HMAC key; nil for plain SHA-256
}

func newTagger(key []byte) *tagger {
	if len(key) == 0 {
		return &tagger{scheme: "s1"}
	}
	fp := sha256.Sum256(append([]byte("keyauth tag key fingerprint v1\x00"), key...))
	return &tagger{scheme: "h1-" + hex.EncodeToString(fp[:2]), key: append([]byte(nil), key...)}
}

// sum returns the 32 bits of the tag of token, as hex.
func (t *tagger) sum(token string) [tagLen]byte {
	var h hash.Hash
	if t.key != nil {
		h = hmac.New(sha256.New, t.key)
	} else {
		h = sha256.New()
	}
	h.Write([]byte(tagLabel))
	h.Write([]byte(token))
	var out [tagLen]byte
	hex.Encode(out[:], h.Sum(nil)[:tagLen/2])
	return out
}

// tag returns the stored form of token's tag.
func (t *tagger) tag(token string) string {
	s := t.sum(token)
	return t.scheme + ":" + string(s[:])
}

// tagVerdict is what a stored tag says about a presented key.
type tagVerdict int

const (
	tagAbsent   tagVerdict = iota // no tag, or one of another construction: argon2id decides
	tagMatch                      // the tag matches: argon2id decides (it passes 1 wrong secret in 2^32)
	tagMismatch                   // the tag does not match: the secret is wrong
)

// check compares the stored tag with token's, in constant time.
func (t *tagger) check(stored, token string) tagVerdict {
	if !t.current(stored) {
		return tagAbsent
	}
	want := t.sum(token)
	if subtle.ConstantTimeCompare([]byte(stored[len(t.scheme)+1:]), want[:]) == 1 {
		return tagMatch
	}
	return tagMismatch
}

// current reports whether stored is a tag of this construction.
func (t *tagger) current(stored string) bool {
	return len(stored) == len(t.scheme)+1+tagLen && stored[:len(t.scheme)] == t.scheme && stored[len(t.scheme)] == ':'
}
