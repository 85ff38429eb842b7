package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestMain lets TestProcess run this test binary as the command itself.
func TestMain(m *testing.M) {
	if os.Getenv("KEYAUTH_MINIMAL_MAIN") == "1" {
		os.Args = append(os.Args[:1], "-addr", "127.0.0.1:0")
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestProcess runs the command as a process: it prints the key once,
// answers with it, and exits 0 on SIGTERM.
func TestProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KEYAUTH_MINIMAL_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	var printed []string
	for len(printed) < 2 && lines.Scan() {
		printed = append(printed, lines.Text())
	}
	m := regexp.MustCompile(`Bearer (dk_\w+)' (http://\S+)`).FindStringSubmatch(printed[len(printed)-1])
	if len(printed) != 2 || m == nil {
		t.Fatalf("output %q", printed)
	}
	req, _ := http.NewRequest("GET", m[2], nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d with the printed key", resp.StatusCode)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		for lines.Scan() {
			t.Errorf("more output after the key: %q", lines.Text())
		}
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}
