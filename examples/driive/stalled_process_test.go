package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stalledConns is how many stalled connections the process test holds
// open against the server at once.
const stalledConns = 500

// TestStalledConnectionsProcess runs the binary with its shipped limits and
// holds 500 connections open against it, each with a request whose body
// stops after a few bytes, half of them with a valid key and half without.
// While they are held, a valid request and /healthz answer within 1 second;
// and the server cuts every stalled request off within 15 seconds.
func TestStalledConnectionsProcess(t *testing.T) {
	bin := builtBinary(t)
	ensureFileLimit(t, stalledConns+200)
	srv := startServer(t, bin, "sqlite:"+t.TempDir()+"/driive.db", nil, "-admin-password", "correct horse battery")
	contacts := srv.url + "/v1/organizations/demo/contacts"
	if got := httpStatus(t, srv.demoKey, "GET", contacts, ""); got != 200 { // argon2id runs once, here
		t.Fatalf("the demo key answers %d", got)
	}
	pid := srv.cmd.Process.Pid
	before := openFiles(t, pid)

	host := strings.TrimPrefix(srv.url, "http://")
	conns := make([]net.Conn, stalledConns)
	sent := make([]time.Time, stalledConns)
	for i := range conns {
		c, err := net.DialTimeout("tcp", host, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer c.Close()
		auth := ""
		if i%2 == 0 {
			auth = "Authorization: Bearer " + srv.demoKey + "\r\n"
		}
		sent[i] = time.Now()
		if _, err := fmt.Fprintf(c, "POST /v1/organizations/demo/contacts HTTP/1.1\r\nHost: %s\r\n%s"+
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":\"Ada", host, auth); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns[i] = c
	}
	// The server has accepted them all: it holds a descriptor for each.
	for deadline := time.Now().Add(10 * time.Second); openFiles(t, pid) < before+stalledConns; {
		if time.Now().After(deadline) {
			t.Fatalf("the server holds %d descriptors, want at least %d", openFiles(t, pid), before+stalledConns)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Valid requests, each on a new connection, answer within 1 second.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	for i := range 3 {
		for _, r := range []struct{ url, key string }{{srv.url + "/healthz", ""}, {contacts, srv.demoKey}} {
			req, _ := http.NewRequest("GET", r.url, nil)
			if r.key != "" {
				req.Header.Set("Authorization", "Bearer "+r.key)
			}
			start := time.Now()
			res, err := client.Do(req)
			if err != nil {
				t.Fatalf("GET %s with %d stalled connections: %v", r.url, stalledConns, err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			took := time.Since(start)
			if res.StatusCode != 200 || took > time.Second {
				t.Fatalf("GET %s with %d stalled connections: %d after %v, want 200 within 1s", r.url, stalledConns, res.StatusCode, took)
			}
			if i == 0 {
				t.Logf("GET %s with %d stalled connections: %v", r.url, stalledConns, took.Round(time.Millisecond))
			}
		}
	}

	// Every stalled request is cut off within 15 seconds of being sent.
	var last time.Duration
	for i, c := range conns {
		if _, err := readUntilClosed(c, sent[i].Add(15*time.Second)); err != nil {
			t.Fatalf("stalled connection %d (key: %v): %v", i, i%2 == 0, err)
		}
		last = max(last, time.Since(sent[i]))
	}
	t.Logf("the last stalled request was cut off %v after it was sent", last.Round(time.Millisecond))
	if got := httpStatus(t, "", "GET", srv.url+"/healthz", ""); got != 200 {
		t.Fatalf("/healthz answers %d after the stalled connections", got)
	}
	srv.signal(t, syscall.SIGTERM)
	if code := srv.wait(t); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, srv.stderr.String())
	}
}

// ensureFileLimit raises this process's open-file limit to at least n (the
// test holds a descriptor per connection), or skips the test if the hard
// limit is lower. The server raises its own: Go sets the soft limit to the
// hard one at start.
func ensureFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("cannot read the open-file limit: %v", err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("the hard open-file limit is %d, the test needs %d", lim.Max, n)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Skipf("cannot raise the open-file limit to %d: %v", n, err)
	}
}

// openFiles counts the descriptors process pid holds (Linux /proc).
func openFiles(t *testing.T, pid int) int {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("cannot count the server's descriptors: %v", err)
	}
	return len(fds)
}
