package secretscan

import (
	"bytes"
	"fmt"
	"log/slog"
	"sync"
	"testing"
)

// Recorder is an io.Writer that scans everything written to it, including
// keys split across writes, and keeps the findings. It does not keep the
// text, except the short tail it needs to join writes. Allow, if set,
// exempts the output's documented key lines (a matched line for which it
// returns true is not a finding). It is safe for concurrent use.
type Recorder struct {
	Name  string
	Allow func(line string) bool

	mu       sync.Mutex
	line     []byte // the current, unfinished line
	offset   int64  // of line's first byte
	lines    int
	findings []Finding
}

// Write scans p. It never fails.
func (r *Recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.line = append(r.line, p...)
	for {
		i := bytes.IndexByte(r.line, '\n')
		if i < 0 {
			break
		}
		r.scanLine(r.line[:i+1])
		r.lines++
		r.offset += int64(i + 1)
		r.line = r.line[i+1:]
	}
	// A line without an end is scanned when it is long enough to hold a
	// key and cut to the tail that may still start one.
	if len(r.line) > 64*1024 {
		cut := len(r.line) - maxKeyLen
		r.scanPart(r.line[:cut+maxKeyLen], r.line[:cut])
		r.offset += int64(cut)
		r.line = append([]byte(nil), r.line[cut:]...)
	}
	return len(p), nil
}

func (r *Recorder) scanLine(line []byte) {
	for _, f := range Scan(line) {
		if r.Allow != nil && r.Allow(string(line)) {
			continue
		}
		f.Where, f.Offset = r.Name, r.offset+f.Offset
		r.findings = append(r.findings, f)
	}
}

// scanPart scans text, keeping the findings that start in done (the part
// that is about to be dropped).
func (r *Recorder) scanPart(text, done []byte) {
	for _, f := range Scan(text) {
		if f.Offset < int64(len(done)) && (r.Allow == nil || !r.Allow(string(text))) {
			f.Where, f.Offset = r.Name, r.offset+f.Offset
			r.findings = append(r.findings, f)
		}
	}
}

// Lines returns the number of complete lines written so far, so that a
// test can tell that output went through the recorder at all.
func (r *Recorder) Lines() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lines
}

// Close scans what is left of an unfinished last line.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scanLine(r.line)
	r.offset += int64(len(r.line))
	r.line = nil
	return nil
}

// Findings returns the findings so far, the unfinished last line
// included.
func (r *Recorder) Findings() []Finding {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]Finding(nil), r.findings...)
	for _, f := range Scan(r.line) {
		if r.Allow == nil || !r.Allow(string(r.line)) {
			f.Where, f.Offset = r.Name, r.offset+f.Offset
			out = append(out, f)
		}
	}
	return out
}

// Check scans texts (error strings, bodies, panic values) and records
// what it finds under name.
func (r *Recorder) Check(name string, texts ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range texts {
		for _, f := range ScanString(s) {
			f.Where = name
			r.findings = append(r.findings, f)
		}
	}
}

// AssertClean fails t for every finding of the recorders, naming where and
// the key's public prefix only.
func AssertClean(t testing.TB, recorders ...*Recorder) {
	t.Helper()
	for _, r := range recorders {
		for _, f := range r.Findings() {
			t.Errorf("plaintext key (%s, checksum valid: %v) in %s at byte %d", f.Prefix, f.Valid, f.Where, f.Offset)
		}
	}
}

// Logger returns a logger whose every record (attributes and groups
// resolved, LogValuer values included) is formatted as text and scanned
// into rec.
func Logger(rec *Recorder) *slog.Logger {
	return slog.New(slog.NewTextHandler(rec, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// String describes a finding without the key.
func (f Finding) String() string {
	return fmt.Sprintf("%s+%d: %s (valid checksum: %v)", f.Where, f.Offset, f.Prefix, f.Valid)
}
