package apikey_test

import (
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/internal/keytest"
)

var (
	salt16 = base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key32  = base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
)

// corruptHashes are stored hashes that must never reach argon2id.
var corruptHashes = []struct {
	desc string
	hash string
}{
	{"empty", ""},
	{"garbage", "not a hash"},
	{"only dollars", "$$$$$"},
	{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
	{"argon2i variant", "$argon2i$v=19$m=8192,t=1,p=1$" + salt16 + "$" + key32},
	{"old version", "$argon2id$v=16$m=8192,t=1,p=1$" + salt16 + "$" + key32},
	{"t=0", "$argon2id$v=19$m=8192,t=0,p=1$" + salt16 + "$" + key32},
	{"p=0", "$argon2id$v=19$m=8192,t=1,p=0$" + salt16 + "$" + key32},
	{"p=255", "$argon2id$v=19$m=8192,t=1,p=255$" + salt16 + "$" + key32},
	{"p=256 overflows uint8", "$argon2id$v=19$m=8192,t=1,p=256$" + salt16 + "$" + key32},
	{"m=0", "$argon2id$v=19$m=0,t=1,p=1$" + salt16 + "$" + key32},
	{"m=1024 below the floor", "$argon2id$v=19$m=1024,t=1,p=1$" + salt16 + "$" + key32},
	{"m=4 GiB", "$argon2id$v=19$m=4194304,t=1,p=1$" + salt16 + "$" + key32},
	{"m=2^32-1", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt16 + "$" + key32},
	{"m overflows uint32", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt16 + "$" + key32},
	{"t=1000000", "$argon2id$v=19$m=8192,t=1000000,p=1$" + salt16 + "$" + key32},
	{"empty key", "$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$"},
	{"empty salt", "$argon2id$v=19$m=8192,t=1,p=1$$" + key32},
	{"short salt", "$argon2id$v=19$m=8192,t=1,p=1$" + base64.RawStdEncoding.EncodeToString([]byte("1234")) + "$" + key32},
	{"short key", "$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + base64.RawStdEncoding.EncodeToString([]byte("12345678"))},
	{"salt of 100 bytes", "$argon2id$v=19$m=8192,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(make([]byte, 100)) + "$" + key32},
	{"huge salt", "$argon2id$v=19$m=8192,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(make([]byte, 1<<20)) + "$" + key32},
	{"huge key", "$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + base64.RawStdEncoding.EncodeToString(make([]byte, 1<<16))},
	{"leading zero in m", "$argon2id$v=19$m=08192,t=1,p=1$" + salt16 + "$" + key32},
	{"plus sign in t", "$argon2id$v=19$m=8192,t=+1,p=1$" + salt16 + "$" + key32},
	{"leading zero in v", "$argon2id$v=019$m=8192,t=1,p=1$" + salt16 + "$" + key32},
	{"text after v", "$argon2id$v=19x$m=8192,t=1,p=1$" + salt16 + "$" + key32},
	{"text after p", "$argon2id$v=19$m=8192,t=1,p=1x$" + salt16 + "$" + key32},
	{"spaces in params", "$argon2id$v=19$m= 8192,t=1,p=1$" + salt16 + "$" + key32},
	{"params reordered", "$argon2id$v=19$t=1,m=8192,p=1$" + salt16 + "$" + key32},
	{"text before", "x$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + key32},
	{"extra field", "$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + key32 + "$"},
	{"padded base64", "$argon2id$v=19$m=8192,t=1,p=1$" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef")) + "$" + key32},
	{"non-canonical base64 tail", "$argon2id$v=19$m=8192,t=1,p=1$" + salt16[:len(salt16)-1] + "h$" + key32},
	{"URL base64", "$argon2id$v=19$m=8192,t=1,p=1$" + base64.RawURLEncoding.EncodeToString([]byte("?>?>?>?>?>?>?>?>")) + "$" + key32},
	{"trailing newline", "$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + key32 + "\n"},
	{"UTF-8", "$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + key32 + "é"},
}

func TestCheckHashAcceptsWhatItWrites(t *testing.T) {
	t.Parallel()
	good := "$argon2id$v=19$m=8192,t=1,p=1$" + salt16 + "$" + key32
	p, err := apikey.CheckHash(good)
	if err != nil {
		t.Fatalf("CheckHash(canonical hash) = %v", err)
	}
	want := apikey.HashParams{Memory: 8192, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	if d := cmp.Diff(want, p); d != "" {
		t.Fatalf("CheckHash params differ (-want +got):\n%s", d)
	}
}

func TestCheckHashRejectsCorruptRows(t *testing.T) {
	t.Parallel()
	for _, tt := range corruptHashes {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := apikey.CheckHash(tt.hash)
			if !errors.Is(err, apikey.ErrCorruptHash) {
				t.Fatalf("CheckHash = %v, want ErrCorruptHash", err)
			}
			if len(tt.hash) > 20 && strings.Contains(err.Error(), tt.hash[len(tt.hash)-20:]) {
				t.Fatalf("the error repeats the stored hash: %v", err)
			}
		})
	}
}

// TestAuthenticateWithCorruptStoredHash measures what Authenticate
// allocates with the process-wide runtime.MemStats, so it does not run in
// parallel: another test's argon2id run (8 MiB at the tests' parameters)
// would be counted as its own.
func TestAuthenticateWithCorruptStoredHash(t *testing.T) {
	e := newEnv(t)
	e.sync()
	for i, tt := range corruptHashes {
		t.Run(tt.desc, func(t *testing.T) {
			id := strings.Repeat(string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[i%52]), 8) + "h0sh"
			token := keytest.WithChecksum("dk_" + id + "_0123456789abcdefghijABCDEFGHIJxy")
			watchKey(token)
			if err := e.mem.Create(t.Context(), apikey.Record{Key: apikey.Key{
				ID: id, OrgID: "org1", Name: "corrupt", Prefix: "dk_" + id, Permission: apikey.Read, CreatedAt: t0,
			}, Hash: tt.hash}); err != nil {
				t.Fatal(err)
			}
			before := e.svc.Stats()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			_, err := e.auth(token)
			runtime.ReadMemStats(&ms1)
			if !errors.Is(err, apikey.ErrCorruptHash) {
				t.Fatalf("Authenticate = %v, want ErrCorruptHash", err)
			}
			for _, other := range []error{apikey.ErrInvalidKey, apikey.ErrUnavailable, apikey.ErrKeyRevoked, apikey.ErrKeyExpired} {
				if errors.Is(err, other) {
					t.Fatalf("Authenticate = %v, also matches %v", err, other)
				}
			}
			after := e.svc.Stats()
			if after.HashRuns != before.HashRuns {
				t.Fatal("argon2id ran on a corrupt stored hash")
			}
			if after.Corrupt != before.Corrupt+1 {
				t.Fatalf("Stats.Corrupt = %d, want %d", after.Corrupt, before.Corrupt+1)
			}
			// The huge-salt row itself is 1.4 MB; argon2id on m=4 GiB would
			// ask for gigabytes.
			if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > 16<<20 {
				t.Fatalf("Authenticate allocated %d bytes", grew)
			}
			if !strings.Contains(err.Error(), id) {
				t.Fatalf("error %q does not name the key id", err)
			}
			logs := e.logs.String()
			line := ""
			for _, l := range strings.Split(logs, "\n") {
				if strings.Contains(l, "key_id="+id) {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no log line carries key_id=%s; logs:\n%s", id, logs)
			}
			if strings.Contains(logs, token) || strings.Contains(logs, token[len("dk_"+id+"_"):]) {
				t.Fatal("the log holds the key")
			}
			// Asking again gives the same answer, without a panic.
			if _, err := e.auth(token); !errors.Is(err, apikey.ErrCorruptHash) {
				t.Fatalf("second Authenticate = %v", err)
			}
		})
	}
}
