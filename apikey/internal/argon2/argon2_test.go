package argon2

import (
	"bytes"
	"encoding/hex"
	"testing"

	xargon2 "golang.org/x/crypto/argon2"
)

// dirty fills m's memory with a pattern no run writes.
func dirty(m *Memory) {
	b := m.blocks[:cap(m.blocks)]
	for i := range b {
		for j := range b[i] {
			b[i][j] = 0x9e3779b97f4a7c15 * uint64(i*blockLength+j+1)
		}
	}
}

// The Argon2id vectors of x/crypto's tests (password "password", salt
// "somesalt"), from the reference implementation. One Memory serves them
// all, so each run starts on what the one before left.
func TestVectors(t *testing.T) {
	vectors := []struct {
		time, memory uint32
		threads      uint8
		hash         string
	}{
		{1, 64, 1, "655ad15eac652dc59f7170a7332bf49b8469be1fdb9c28bb"},
		{2, 64, 1, "068d62b26455936aa6ebe60060b0a65870dbfa3ddf8d41f7"},
		{2, 64, 2, "350ac37222f436ccb5c0972f1ebd3bf6b958bf2071841362"},
		{3, 256, 2, "4668d30ac4187e6878eedeacf0fd83c5a0a30db2cc16ef0b"},
		{4, 4096, 4, "145db9733a9f4ee43edf33c509be96b934d505a4efb33c5a"},
		{4, 1024, 8, "8dafa8e004f8ea96bf7c0f93eecf67a6047476143d15577f"},
		{2, 64, 3, "4a15b31aec7c2590b87d1f520be7d96f56658172deaa3079"},
		{3, 1024, 6, "1640b932f4b60e272f5d2207b9a9c626ffa1bd88d2349016"},
	}
	var m Memory
	for _, v := range vectors {
		want, err := hex.DecodeString(v.hash)
		if err != nil {
			t.Fatal(err)
		}
		got := m.IDKey([]byte("password"), []byte("somesalt"), v.time, v.memory, v.threads, uint32(len(want)))
		if !bytes.Equal(got, want) {
			t.Errorf("t=%d m=%d p=%d: got %x, want %x", v.time, v.memory, v.threads, got, want)
		}
	}
}

// IDKey on memory full of garbage, and on memory an earlier run of other
// parameters used, returns what x/crypto returns on fresh memory.
func TestSameAsXCrypto(t *testing.T) {
	var m Memory
	for _, time := range []uint32{1, 2, 3} {
		for _, memory := range []uint32{8, 31, 64, 100, 1024, 2050} {
			for _, threads := range []uint8{1, 2, 3, 4} {
				password := []byte{byte(time), byte(memory), byte(threads), 'k', 'e', 'y'}
				salt := []byte("0123456789abcdef")
				want := xargon2.IDKey(password, salt, time, memory, threads, 32)
				if got := m.IDKey(password, salt, time, memory, threads, 32); !bytes.Equal(got, want) {
					t.Fatalf("t=%d m=%d p=%d, reused memory: got %x, want %x", time, memory, threads, got, want)
				}
				dirty(&m)
				if got := m.IDKey(password, salt, time, memory, threads, 32); !bytes.Equal(got, want) {
					t.Fatalf("t=%d m=%d p=%d, garbage memory: got %x, want %x", time, memory, threads, got, want)
				}
			}
		}
	}
}

// The default parameters of apikey, on memory a different key's run left.
func TestDefaultParameters(t *testing.T) {
	var m Memory
	salt := []byte("sixteen byte slt")
	m.IDKey([]byte("dk_another key"), salt, 2, 19456, 1, 32)
	want := xargon2.IDKey([]byte("dk_the key"), salt, 2, 19456, 1, 32)
	if got := m.IDKey([]byte("dk_the key"), salt, 2, 19456, 1, 32); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	if m.Size() != 19456 {
		t.Errorf("Size() = %d KiB, want 19456", m.Size())
	}
	// A smaller run keeps the memory.
	m.IDKey([]byte("x"), salt, 1, 64, 1, 32)
	if m.Size() != 19456 {
		t.Errorf("after a smaller run, Size() = %d KiB, want 19456", m.Size())
	}
}

func TestPanicsLikeXCrypto(t *testing.T) {
	for _, c := range []struct {
		time    uint32
		threads uint8
	}{{0, 1}, {1, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("time=%d threads=%d: no panic", c.time, c.threads)
				}
			}()
			var m Memory
			m.IDKey([]byte("p"), []byte("saltsalt"), c.time, 64, c.threads, 32)
		}()
	}
}

func FuzzSameAsXCrypto(f *testing.F) {
	f.Add([]byte("password"), []byte("somesalt"), uint8(2), uint16(64), uint8(1), uint8(32), uint16(0))
	f.Add([]byte(""), []byte(""), uint8(1), uint16(8), uint8(4), uint8(4), uint16(65535))
	var m Memory
	f.Fuzz(func(t *testing.T, password, salt []byte, time uint8, memory uint16, threads uint8, keyLen uint8, seed uint16) {
		tm := uint32(time%3) + 1
		mem := uint32(memory % 600)
		th := threads%4 + 1
		kl := uint32(keyLen%80) + 1
		if len(m.blocks) > 0 {
			for i := range m.blocks[:cap(m.blocks)] {
				m.blocks[i][i%blockLength] ^= uint64(seed) * uint64(i+1)
			}
		}
		want := xargon2.IDKey(password, salt, tm, mem, th, kl)
		if got := m.IDKey(password, salt, tm, mem, th, kl); !bytes.Equal(got, want) {
			t.Fatalf("t=%d m=%d p=%d len=%d: got %x, want %x", tm, mem, th, kl, got, want)
		}
	})
}

func BenchmarkIDKey(b *testing.B) {
	password, salt := []byte("dk_password"), []byte("sixteen byte slt")
	b.Run("xcrypto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			xargon2.IDKey(password, salt, 2, 19456, 1, 32)
		}
	})
	b.Run("reused", func(b *testing.B) {
		var m Memory
		b.ReportAllocs()
		for b.Loop() {
			m.IDKey(password, salt, 2, 19456, 1, 32)
		}
	})
}

// The compression function in use (SSE4.1 assembly on amd64) and the
// generic one agree, with and without the XOR of a later pass.
func TestProcessBlockMatchesGeneric(t *testing.T) {
	var in1, in2, out, want block
	for i := range in1 {
		in1[i] = 0x9e3779b97f4a7c15 * uint64(i+1)
		in2[i] = 0xc2b2ae3d27d4eb4f * uint64(i+7)
	}
	for round := range 64 {
		in1[round] ^= uint64(round) << 17
		processBlock(&out, &in1, &in2)
		processBlockGeneric(&want, &in1, &in2, false)
		if out != want {
			t.Fatalf("round %d: processBlock differs from processBlockGeneric", round)
		}
		processBlockXOR(&out, &in1, &in2)
		processBlockGeneric(&want, &in1, &in2, true)
		if out != want {
			t.Fatalf("round %d: processBlockXOR differs from processBlockGeneric", round)
		}
		in2 = out
	}
}
