package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real binary as separate processes: a server and the
// keys CLI sharing one database, as an operator would.

// TestServerProcess builds the binary once and runs, on every database:
// the first start's demo key and curl line, revocation and rotation by the
// CLI in another process honoured within 2 seconds, graceful shutdown with
// a request in flight, and a restart that prints no key.
func TestServerProcess(t *testing.T) {
	bin := builtBinary(t)
	forEachDB(t, func(t *testing.T, db string) { testServerProcess(t, bin, db) })
}

func testServerProcess(t *testing.T, bin, db string) {
	srv := startServer(t, bin, db, nil, "-admin-password", "correct horse battery")
	if srv.demoKey == "" {
		t.Fatalf("the first start printed no demo key:\n%s", srv.stdout.String())
	}
	if strings.Contains(srv.stdout.String(), "Admin password") {
		t.Fatalf("the server printed the admin password it was given:\n%s", srv.stdout.String())
	}

	// The printed curl line works as written.
	curl := regexp.MustCompile(`curl -H "Authorization: Bearer (\S+)" (http://\S+/v1/organizations/demo/appointments)`).
		FindStringSubmatch(srv.stdout.String())
	if curl == nil || curl[1] != srv.demoKey {
		t.Fatalf("no curl line with the demo key in:\n%s", srv.stdout.String())
	}
	if got := httpStatus(t, curl[1], "GET", curl[2], ""); got != 200 {
		t.Fatalf("the printed curl line answered %d", got)
	}
	list := cliKeys(t, bin, db)
	if len(list) != 1 || list[0]["name"] == "" || list[0]["permission"] != "write" || list[0]["prefix"] != srv.demoKey[:15] {
		t.Fatalf("keys of demo after the first start: %v", list)
	}

	t.Run("revoked by the CLI", func(t *testing.T) {
		refusedWithin(t, srv, srv.demoKey, "api_key_revoked", func() {
			runBinary(t, bin, "keys", "revoke", "-org", "demo", srv.demoKey[:15], "-db", db)
		})
	})
	t.Run("rotated by the CLI", func(t *testing.T) {
		old := strings.TrimSpace(runBinary(t, bin, "keys", "create", "-org", "demo", "-name", "rotating", "-permission", "read", "-db", db))
		var fresh string
		refusedWithin(t, srv, old, "api_key_expired", func() {
			fresh = strings.TrimSpace(runBinary(t, bin, "keys", "rotate", "-org", "demo", old[:15], "-grace", "0", "-db", db))
		})
		if got := httpStatus(t, fresh, "GET", srv.url+"/v1/organizations/demo/contacts", ""); got != 200 {
			t.Fatalf("the rotated key answers %d", got)
		}
	})

	key := strings.TrimSpace(runBinary(t, bin, "keys", "create", "-org", "demo", "-name", "in flight", "-permission", "write", "-db", db))
	var sent time.Time
	t.Run("graceful shutdown", func(t *testing.T) { sent = testGracefulShutdown(t, srv, key) })
	for _, k := range cliKeys(t, bin, db) {
		if k["name"] != "in flight" {
			continue
		}
		// The in-flight request is the key's only use: it must have been
		// written, at the latest by the shutdown. (A use within the cache's
		// last-used granularity of an earlier one may be folded into it, so
		// the key must not be used just before.)
		if k["last_used_at"] == nil || mustTime(t, k["last_used_at"]).Before(sent) {
			t.Fatalf("the in-flight request's use (after %v) was not written at shutdown: %v", sent, k)
		}
	}
	t.Run("no key in the logs", func(t *testing.T) {
		out := srv.stdout.String()
		if n := len(keyText.FindAllString(out, -1)); n != 2 { // the demo key and its curl line
			t.Fatalf("stdout shows %d keys, want the demo key twice:\n%s", n, out)
		}
		if logs := srv.stderr.String(); keyText.MatchString(logs) || strings.Contains(logs, key[16:]) || strings.Contains(logs, srv.demoKey[16:]) {
			t.Fatalf("the server log holds a key:\n%s", logs)
		}
	})

	t.Run("restart prints no key", func(t *testing.T) {
		// Without -admin-password or DRIIVE_ADMIN_PASSWORD, a password is
		// generated and printed.
		again := startServer(t, bin, db, nil)
		if again.demoKey != "" || keyText.MatchString(again.stdout.String()) {
			t.Fatalf("a restart printed a key:\n%s", again.stdout.String())
		}
		if !regexp.MustCompile(`Admin password for http://\S+/developer/api-keys: \S{16,}\n`).MatchString(again.stdout.String()) {
			t.Fatalf("no generated admin password in:\n%s", again.stdout.String())
		}
		again.signal(t, syscall.SIGINT)
		if code := again.wait(t); code != 0 {
			t.Fatalf("exit status %d after SIGINT", code)
		}
		if n := len(cliKeys(t, bin, db)); n != 4 { // demo, rotating, its successor, in flight
			t.Fatalf("%d keys of demo, want 4: the restart must create none", n)
		}
		fromEnv := startServer(t, bin, db, []string{"DRIIVE_ADMIN_PASSWORD=from-env-password"})
		if strings.Contains(fromEnv.stdout.String(), "Admin password") {
			t.Fatalf("the server printed the password of DRIIVE_ADMIN_PASSWORD:\n%s", fromEnv.stdout.String())
		}
		fromEnv.signal(t, syscall.SIGTERM)
		if code := fromEnv.wait(t); code != 0 {
			t.Fatalf("exit status %d after SIGTERM", code)
		}
	})
}

// refusedWithin checks that key works, runs change (a CLI command), and
// that the running server refuses key with code within 2 seconds of it.
func refusedWithin(t *testing.T, srv *serverProcess, key, code string, change func()) {
	t.Helper()
	if got := httpStatus(t, key, "GET", srv.url+"/v1/organizations/demo/contacts", ""); got != 200 {
		t.Fatalf("the key answers %d before the change", got)
	}
	change()
	done := time.Now()
	for {
		res := getWithKey(t, key, srv.url+"/v1/organizations/demo/contacts")
		if res.status == 401 {
			if got := res.json(t)["code"]; got != code {
				t.Fatalf("refused with %v, want %s", got, code)
			}
			t.Logf("refused %v after the CLI returned", time.Since(done).Round(time.Millisecond))
			return
		}
		if time.Since(done) > 2*time.Second {
			t.Fatalf("the key still answers %d 2s after the CLI changed it", res.status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testGracefulShutdown sends half a request, waits until the handler reads
// its body, SIGTERMs the server, checks that it stops accepting
// connections, sends the rest, and expects the request to complete and the
// process to exit 0. key must be unused so far: the request is its only use.
// It returns when the request was sent.
func testGracefulShutdown(t *testing.T, srv *serverProcess, key string) time.Time {
	host := strings.TrimPrefix(srv.url, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	answers := bufio.NewReader(conn)
	body := `{"name":"Arrived during shutdown"}`
	sent := time.Now().UTC().Truncate(time.Microsecond)
	// "Expect: 100-continue" makes the server say when the handler, past
	// the authentication, starts reading the body: from then on the
	// request is in flight.
	fmt.Fprintf(conn, "POST /v1/organizations/demo/contacts HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", host, key, len(body))
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("waiting for 100 Continue: %v", err)
	}
	if res.StatusCode != http.StatusContinue {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("answer %d before the body was sent, want 100 Continue: %s", res.StatusCode, b)
	}
	if _, err := io.WriteString(conn, body[:10]); err != nil {
		t.Fatalf("sending half the body: %v", err)
	}
	srv.signal(t, syscall.SIGTERM)

	// New connections are refused while the request is still open.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 30s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case <-srv.exited:
		t.Fatal("the server exited with a request in flight")
	default:
	}

	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatalf("finishing the request: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err = http.ReadResponse(answers, nil)
	if err != nil {
		t.Fatalf("reading the in-flight response: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 201 || !strings.Contains(string(b), "Arrived during shutdown") {
		t.Fatalf("in-flight request: %d %s", res.StatusCode, b)
	}
	if code := srv.wait(t); code != 0 {
		t.Fatalf("exit status %d after SIGTERM; stderr:\n%s", code, srv.stderr.String())
	}
	return sent
}

// serverProcess is a running "driive serve".
type serverProcess struct {
	cmd            *exec.Cmd
	url            string
	demoKey        string
	stdout, stderr *syncBuffer
	exited         chan struct{}
	exitCode       int
}

// startServer starts the binary on db at a free port, and returns once it
// printed that it listens.
// env is added to the process's environment; args to its command line.
func startServer(t *testing.T, bin, db string, env []string, args ...string) *serverProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "-addr", "127.0.0.1:0", "-db", db}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	s := &serverProcess{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = s.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	var once sync.Once
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			s.stdout.Write([]byte(line + "\n"))
			if u, ok := strings.CutPrefix(line, "Listening on "); ok {
				once.Do(func() { ready <- u })
			}
		}
		io.Copy(io.Discard, out)
		cmd.Wait()
		s.exitCode = cmd.ProcessState.ExitCode()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			cmd.Process.Kill()
			<-s.exited
		}
	})
	select {
	case s.url = <-ready:
	case <-s.exited:
		t.Fatalf("the server exited with status %d before listening; stderr:\n%s", s.exitCode, s.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not listen within 60s; stdout:\n%s\nstderr:\n%s", s.stdout.String(), s.stderr.String())
	}
	s.demoKey = keyText.FindString(s.stdout.String())
	return s
}

func (s *serverProcess) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal: %v", err)
	}
}

// wait returns the exit status, failing after 40 seconds.
func (s *serverProcess) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-s.exited:
		return s.exitCode
	case <-time.After(40 * time.Second):
		t.Fatalf("the server did not exit; stderr:\n%s", s.stderr.String())
		return -1
	}
}

// cleanEnv is the test's environment without DRIIVE_ variables.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DRIIVE_") {
			env = append(env, kv)
		}
	}
	return env
}

// runBinary runs a CLI command that must succeed and returns its stdout.
func runBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("driive %v: %v; stderr %q", args, err, stderr.String())
	}
	return string(out)
}

func cliKeys(t *testing.T, bin, db string) []map[string]any {
	t.Helper()
	var keys []map[string]any
	if err := json.Unmarshal([]byte(runBinary(t, bin, "keys", "list", "-org", "demo", "-json", "-db", db)), &keys); err != nil {
		t.Fatal(err)
	}
	return keys
}

func getWithKey(t *testing.T, key, url string) response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func httpStatus(t *testing.T, key, method, url, body string) int {
	t.Helper()
	return getWithKey(t, key, url).status
}
