package apikey_test

import (
	"testing"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

// FuzzParse: Parse never panics, accepts exactly the texts that match
// Pattern and carry the right checksum, and returns their id.
func FuzzParse(f *testing.F) {
	good := keytest.WithChecksum("dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy")
	for _, s := range []string{good, "", "dk_", good[:len(good)-1], good + "0", "xk" + good[2:], "dk_AbCdEfGhIjKl_0123456789abcdefghijABCDEFGHIJxy000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, err := apikey.Parse(token)
		wellFormed := apikey.Pattern.MatchString(token) &&
			apikey.Checksum(token[:len(token)-apikey.ChecksumLen]) == token[len(token)-apikey.ChecksumLen:]
		if err == nil {
			if !wellFormed {
				t.Fatalf("Parse accepted %q, which does not match Pattern with a valid checksum", token)
			}
			if id != token[3:3+apikey.IDLen] {
				t.Fatalf("Parse(%q) returned id %q", token, id)
			}
			return
		}
		if wellFormed {
			t.Fatalf("Parse rejected the well-formed %q: %v", token, err)
		}
		if id != "" {
			t.Fatalf("Parse returned id %q with error %v", id, err)
		}
	})
}

// FuzzCheckHash: the stored-hash validator never panics, and what it
// accepts has parameters within the bounds argon2id may safely run with.
func FuzzCheckHash(f *testing.F) {
	f.Add("$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + key32)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$" + salt16 + "$" + key32)
	for _, c := range corruptHashes {
		if len(c.hash) < 1000 {
			f.Add(c.hash)
		}
	}
	f.Fuzz(func(t *testing.T, encoded string) {
		p, err := apikey.CheckHash(encoded)
		if err != nil {
			if p != (apikey.HashParams{}) {
				t.Fatalf("rejected with params %+v", p)
			}
			return
		}
		switch {
		case p.Memory < apikey.MinMemory || p.Memory > apikey.MaxMemory,
			p.Iterations < 1 || p.Iterations > apikey.MaxIterations,
			p.Parallelism < 1 || p.Parallelism > apikey.MaxParallelism,
			p.SaltLength < apikey.MinSaltLength || p.SaltLength > apikey.MaxSaltLength,
			p.KeyLength < apikey.MinKeyLength || p.KeyLength > apikey.MaxKeyLength:
			t.Fatalf("accepted %q with params %+v outside the bounds", encoded, p)
		}
		if len(encoded) > 512 {
			t.Fatalf("accepted a hash of %d bytes", len(encoded))
		}
	})
}
