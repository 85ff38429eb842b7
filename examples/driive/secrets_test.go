package main

import (
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/driive/keyauth/internal/secretscan"
)

// TestNoKeyInServerOutput runs the binary as an operator would: the server
// and the keys CLI on one database, with keys created, used, misused,
// pasted where ids belong, rotated and revoked, and every byte the
// processes print and every HTTP answer scanned for a plaintext key. The
// only allowed keys are the documented ones: the first start's demo key
// and curl line, and the stdout of `keys create` and `keys rotate`.
func TestNoKeyInServerOutput(t *testing.T) {
	bin := builtBinary(t)
	db := "sqlite:" + t.TempDir() + "/driive.db"
	out := &secretscan.Recorder{Name: "output"}
	defer secretscan.AssertClean(t, out)

	srv := startServer(t, bin, db, nil, "-admin-password", "correct horse battery")
	if srv.demoKey == "" {
		t.Fatal("no demo key printed")
	}
	// cmd runs a CLI command; keyOut: its stdout is a documented key.
	cmd := func(keyOut bool, args ...string) (string, int) {
		t.Helper()
		c := exec.Command(bin, append(args, "-db", db)...)
		c.Env = cleanEnv()
		var stdout, stderr strings.Builder
		c.Stdout, c.Stderr = &stdout, &stderr
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		name := "driive " + strings.Join(args[:min(2, len(args))], " ")
		out.Check("stderr of "+name, stderr.String())
		if !keyOut || code != 0 {
			out.Check("stdout of "+name, stdout.String())
		}
		return strings.TrimSpace(stdout.String()), code
	}
	write, code := cmd(true, "keys", "create", "-org", "acme", "-name", "writer", "-permission", "write")
	if code != 0 {
		t.Fatalf("keys create: exit %d", code)
	}
	read, _ := cmd(true, "keys", "create", "-org", "acme", "-name", "reader", "-permission", "read", "-json")
	read = read[strings.Index(read, `"key":"`)+7:]
	read = read[:strings.IndexByte(read, '"')]
	rotating, _ := cmd(true, "keys", "create", "-org", "acme", "-name", "rotating", "-permission", "read")

	// Keys pasted where the CLI wants other things.
	for _, args := range [][]string{
		{"keys", "revoke", "-org", "acme", write + "x"},
		{"keys", "revoke", "-org", "other", write},
		{"keys", "rotate", "-org", "other", write},
		{"keys", "create", "-org", "acme", "-name", "n", "-permission", write},
		{"keys", "create", "-org", "acme", "-name", "n", "-permission", "read", "-expires", write},
		{"keys", "list", "-org", "acme", write},
		{"keys", "bogus", write},
		{write},
	} {
		if _, code := cmd(false, args...); code == 0 {
			t.Errorf("driive %s succeeded", strings.Join(args[:min(2, len(args))], " "))
		}
	}
	// A key is a well-formed organization id: the CLI may accept it, and
	// must still not print it.
	cmd(true, "keys", "create", "-org", write, "-name", "n", "-permission", "read")
	cmd(false, "keys", "list", "-org", write)
	cmd(false, "keys", "list", "-org", "acme")
	cmd(false, "keys", "list", "-org", "acme", "-json")

	base := srv.url + "/v1/organizations/acme"
	send := func(method, path, auth, body string) int {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var h strings.Builder
		res.Header.Write(&h)
		out.Check("HTTP "+method+" answer", string(b), h.String())
		return res.StatusCode
	}
	for _, r := range []struct{ method, path, auth, body string }{
		{"GET", "/contacts", "Bearer " + write, ""},
		{"POST", "/contacts", "Bearer " + write, `{"name":"Ada","` + write + `":"x"}`},
		{"POST", "/contacts", "Bearer " + write, `{"name":"Ada","email":"` + write + `"}`},
		{"POST", "/contacts", "Bearer " + read, `{"name":"Ada"}`},
		{"GET", "/contacts?cursor=" + write + "&limit=" + write, "Bearer " + read, ""},
		{"GET", "/contacts/" + write, "Bearer " + read, ""},
		{"GET", "/" + write, "Bearer " + read, ""},
		{"GET", "/contacts?api_key=" + write, "", ""},
		{"GET", "/contacts", "Bearer " + write + "x", ""},
		{"GET", "/contacts", "Bearer " + write[:len(write)-1] + "0", ""},
		{"GET", "/contacts", "Bearer\t" + write, ""},
		{"GET", "/contacts", "Basic " + write, ""},
		{"GET", "/contacts", "Bearer " + write + " " + write, ""},
		{"PUT", "/contacts", "Bearer " + write, `{"name":"` + write + `"}`},
		{"GET", "/../" + write, "Bearer " + write, ""},
	} {
		send(r.method, r.path, r.auth, r.body)
	}
	rotated, code := cmd(true, "keys", "rotate", "-org", "acme", rotating[:15], "-grace", "0")
	if code != 0 || !strings.HasPrefix(rotated, "dk_") {
		t.Fatalf("keys rotate: exit %d", code)
	}
	if _, code := cmd(false, "keys", "revoke", "-org", "acme", write[:15]); code != 0 {
		t.Fatalf("keys revoke: exit %d", code)
	}
	for deadline := time.Now().Add(3 * time.Second); send("GET", "/contacts", "Bearer "+write, "") != 401; {
		if time.Now().After(deadline) {
			t.Fatal("the revoked key still works after 3s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	send("GET", "/contacts", "Bearer "+write, "")
	send("GET", "/contacts", "Bearer "+rotating, "")
	send("GET", "/contacts", "Bearer "+rotated, "")
	srv.signal(t, syscall.SIGTERM)
	if code := srv.wait(t); code != 0 {
		t.Fatalf("exit status %d", code)
	}

	out.Check("server stderr", srv.stderr.String())
	// stdout: the demo key's lines are documented; nothing else may hold a
	// key.
	for _, line := range strings.Split(srv.stdout.String(), "\n") {
		documented := strings.TrimSpace(line) == srv.demoKey ||
			strings.HasPrefix(strings.TrimSpace(line), `curl -H "Authorization: Bearer `+srv.demoKey+`"`)
		if !documented {
			out.Check("server stdout", line)
		}
	}
	if !strings.Contains(srv.stderr.String(), "request") {
		t.Fatalf("the server logged no requests:\n%s", srv.stderr.String())
	}
}
