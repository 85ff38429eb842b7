package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDefaultHTTPLimits checks the limits the server ships with: a request
// that stops sending is cut off within 15 seconds, and every limit is set.
func TestDefaultHTTPLimits(t *testing.T) {
	d := defaultHTTPLimits
	if d.ReadHeader <= 0 || d.Read <= 0 || d.Write <= 0 || d.Idle <= 0 || d.MaxHeaderBytes <= 0 {
		t.Fatalf("a limit is unset: %+v", d)
	}
	if d.Read > 15*time.Second || d.ReadHeader > d.Read {
		t.Fatalf("a stalled request is held for up to %v (headers %v), want at most 15s", d.Read, d.ReadHeader)
	}
	if d.Write < d.Read {
		t.Fatalf("Write %v < Read %v: a slow upload would leave no time to answer", d.Write, d.Read)
	}
	srv := newHTTPServer(http.NotFoundHandler(), httpLimits{}, slog.New(slog.DiscardHandler))
	got := httpLimits{srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes}
	if diff := cmp.Diff(d, got); diff != "" {
		t.Fatalf("the server's limits are not the defaults (-want +got):\n%s", diff)
	}
}

// shortLimits let the tests below see every limit act within a second.
var shortLimits = httpLimits{
	ReadHeader:     300 * time.Millisecond,
	Read:           600 * time.Millisecond,
	Write:          5 * time.Second,
	Idle:           600 * time.Millisecond,
	MaxHeaderBytes: 8 << 10,
}

// cutOffBound is how long a test waits for the server to close a
// connection that a limit of shortLimits should end: a failure bound only.
const cutOffBound = 10 * time.Second

// TestHTTPLimits runs the whole server (runServer, on SQLite) with short
// limits and checks that each cuts off the client it is for: a body that
// stops half-way with and without a key, headers that stop half-way, an
// idle kept-alive connection, and headers that are too large.
func TestHTTPLimits(t *testing.T) {
	srv := startInprocServer(t, shortLimits)
	stalledBody := func(auth string) string {
		return "POST /v1/organizations/demo/contacts HTTP/1.1\r\nHost: driive\r\n" + auth +
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":\"A"
	}
	for name, tc := range map[string]struct {
		send       string
		wantStatus int // 0: the connection may close without an answer
	}{
		"stalled body without a key": {stalledBody(""), 0},
		"stalled body with a key":    {stalledBody("Authorization: Bearer " + srv.demoKey + "\r\n"), 0},
		"stalled headers":            {"GET /healthz HTTP/1.1\r\nHost: driive\r\nAccept: applic", 0},
		"idle after an answer":       {"GET /healthz HTTP/1.1\r\nHost: driive\r\n\r\n", http.StatusOK},
		"headers too large": {"GET /healthz HTTP/1.1\r\nHost: driive\r\nX-Big: " +
			strings.Repeat("x", 2*shortLimits.MaxHeaderBytes) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			conn := dial(t, srv.addr)
			start := time.Now()
			if _, err := io.WriteString(conn, tc.send); err != nil {
				t.Fatal(err)
			}
			status, err := readUntilClosed(conn, start.Add(cutOffBound))
			if err != nil {
				t.Fatalf("the server did not close the connection: %v", err)
			}
			t.Logf("closed after %v, answered %d", time.Since(start).Round(time.Millisecond), status)
			if tc.wantStatus != 0 && status != tc.wantStatus {
				t.Fatalf("answered %d, want %d", status, tc.wantStatus)
			}
			if status >= 200 && status < 300 && tc.wantStatus == 0 {
				t.Fatalf("a cut-off request answered %d", status)
			}
		})
	}
	// The limits leave a request that arrives in pieces alone.
	t.Run("complete request in two writes", func(t *testing.T) {
		conn := dial(t, srv.addr)
		body := `{"name":"In two writes"}`
		fmt.Fprintf(conn, "POST /v1/organizations/demo/contacts HTTP/1.1\r\nHost: driive\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", srv.demoKey, len(body), body[:5])
		fmt.Fprint(conn, body[5:])
		status, err := readUntilClosed(conn, time.Now().Add(cutOffBound))
		if err != nil || status != http.StatusCreated {
			t.Fatalf("answered %d (%v), want 201", status, err)
		}
	})
}

// inprocServer is runServer running in the test process.
type inprocServer struct {
	addr    string // host:port
	url     string
	demoKey string
}

// startInprocServer runs runServer on a fresh SQLite database with limits
// until the test ends.
func startInprocServer(t *testing.T, limits httpLimits) *inprocServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &lineWatcher{want: "Listening on ", found: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- runServer(ctx, serverConfig{
			Addr: "127.0.0.1:0", Source: mustParseDSN(t, "sqlite:"+t.TempDir()+"/driive.db"),
			AdminPassword: "correct horse battery", Stdout: out, Log: slog.New(slog.DiscardHandler),
			Hash: cheapHash, Limits: limits,
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runServer: %v", err)
		}
	})
	select {
	case u := <-out.found:
		s := &inprocServer{url: u, addr: strings.TrimPrefix(u, "http://"), demoKey: keyText.FindString(out.text())}
		if s.demoKey == "" {
			t.Fatalf("no demo key printed:\n%s", out.text())
		}
		return s
	case err := <-done:
		t.Fatalf("runServer returned before listening: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("runServer did not listen within 60s")
	}
	return nil
}

// lineWatcher is a writer that keeps what it is given and sends the rest
// of the first line that starts with want.
type lineWatcher struct {
	want  string
	found chan string
	mu    sync.Mutex
	buf   strings.Builder
	sent  bool
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.sent {
		for _, line := range strings.Split(w.buf.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, w.want); ok && strings.HasSuffix(w.buf.String(), "\n") {
				w.sent = true
				w.found <- rest
				break
			}
		}
	}
	return len(p), nil
}

func (w *lineWatcher) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readUntilClosed reads conn until the server closes it, and returns the
// status of the first answer on it (0 if none). It fails if the
// connection is still open at deadline.
func readUntilClosed(conn net.Conn, deadline time.Time) (int, error) {
	if err := conn.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	r := bufio.NewReader(conn)
	status := 0
	if res, err := http.ReadResponse(r, nil); err == nil {
		status = res.StatusCode
		_, _ = io.Copy(io.Discard, res.Body)
	}
	_, err := io.Copy(io.Discard, r)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return status, fmt.Errorf("still open at the deadline (answered %d)", status)
	}
	return status, nil // EOF or a reset: closed
}
