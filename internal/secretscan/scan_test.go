package secretscan_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/driive/keyauth/internal/keytest"
	"github.com/driive/keyauth/internal/secretscan"
)

func TestScan(t *testing.T) {
	key := keytest.Forge("dk", "")
	custom := keytest.Forge("acme9", "")
	bad := key[:len(key)-1] + map[bool]string{true: "1", false: "0"}[key[len(key)-1] == '0']
	tests := map[string]struct {
		text  string
		valid []bool // one per finding
	}{
		"nothing":             {"GET /v1/organizations/acme/contacts 200", nil},
		"a key":               {key, []bool{true}},
		"a key in a log line": {`level=INFO msg=request path=/x/` + key + ` status=401`, []bool{true}},
		"a key in JSON":       {`{"key":"` + key + `"}`, []bool{true}},
		"a custom prefix":     {"Bearer " + custom, []bool{true}},
		"a bad checksum":      {bad, []bool{false}},
		"two keys":            {key + "," + custom, []bool{true, true}},
		"the display prefix":  {key[:len("dk_")+12], nil},
		"redacted":            {"dk_[REDACTED]", nil},
		"a truncated key":     {key[:len(key)-1], nil},
		"a key id alone":      {"key_id=" + key[3:15], nil},
		"upper-case prefix":   {"DK" + key[2:], nil}, // no keyauth prefix
	}
	for desc, tc := range tests {
		t.Run(desc, func(t *testing.T) {
			got := secretscan.ScanString(tc.text)
			if len(got) != len(tc.valid) {
				t.Fatalf("found %v, want %d findings", got, len(tc.valid))
			}
			for i, f := range got {
				if f.Valid != tc.valid[i] {
					t.Fatalf("finding %d valid %v, want %v", i, f.Valid, tc.valid[i])
				}
				if strings.Contains(f.String(), key[15:]) || strings.Contains(f.String(), custom[18:]) {
					t.Fatalf("a finding repeats the secret: %s", f)
				}
			}
		})
	}
}

func TestRecorder(t *testing.T) {
	key := keytest.Forge("dk", "")
	t.Run("a key split across writes", func(t *testing.T) {
		r := &secretscan.Recorder{Name: "out"}
		text := "first line\nsecond " + key + " line\n"
		for i := 0; i < len(text); i += 7 {
			fmt.Fprint(r, text[i:min(i+7, len(text))])
		}
		got := r.Findings()
		if len(got) != 1 || got[0].Offset != int64(strings.Index(text, key)) || got[0].Where != "out" || !got[0].Valid {
			t.Fatalf("findings %v", got)
		}
	})
	t.Run("a key in an unfinished last line", func(t *testing.T) {
		r := &secretscan.Recorder{}
		fmt.Fprint(r, "no newline "+key)
		if len(r.Findings()) != 1 {
			t.Fatalf("findings %v", r.Findings())
		}
	})
	t.Run("a key in a long line without breaks", func(t *testing.T) {
		r := &secretscan.Recorder{}
		pad := strings.Repeat("x", 100*1024)
		fmt.Fprint(r, pad+" ")
		fmt.Fprint(r, key[:20])
		fmt.Fprint(r, key[20:]+" "+pad)
		fmt.Fprint(r, pad)
		if got := r.Findings(); len(got) != 1 || got[0].Offset != int64(len(pad)+1) {
			t.Fatalf("findings %v", got)
		}
	})
	t.Run("allowed lines", func(t *testing.T) {
		r := &secretscan.Recorder{Allow: func(line string) bool { return strings.HasPrefix(line, "  dk_") }}
		fmt.Fprintf(r, "Created a key:\n\n  %s\n\nlog: %s\n", key, key)
		if got := r.Findings(); len(got) != 1 {
			t.Fatalf("findings %v, want only the log line", got)
		}
	})
	t.Run("checked texts", func(t *testing.T) {
		r := &secretscan.Recorder{}
		r.Check("errors", "apikey: invalid key", "wrapped: "+key)
		if got := r.Findings(); len(got) != 1 || got[0].Where != "errors" {
			t.Fatalf("findings %v", got)
		}
	})
	t.Run("logger", func(t *testing.T) {
		r := &secretscan.Recorder{}
		secretscan.Logger(r).Info("oops", "token", key)
		secretscan.Logger(r).Debug("fine", "key_id", key[3:15])
		if got := r.Findings(); len(got) != 1 {
			t.Fatalf("findings %v", got)
		}
	})
}
