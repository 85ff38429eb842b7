package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// environment is what every scenario shares: the repository root and the
// example server, built once.
type environment struct {
	opt  options
	root string // repository root
	tmp  string // scratch directory, removed by close
	bin  string // the built example server
}

func newEnvironment(ctx context.Context, opt options) (*environment, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return nil, fmt.Errorf("finding the module root (run from the repository): %w", err)
	}
	root := strings.TrimSpace(string(out))
	tmp, err := os.MkdirTemp("", "keyauth-loadtest-")
	if err != nil {
		return nil, err
	}
	env := &environment{opt: opt, root: root, tmp: tmp, bin: filepath.Join(tmp, "driive")}
	build := exec.CommandContext(ctx, "go", "build", "-o", env.bin, "./examples/driive") // #nosec G204 -- output path is our own temp dir
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		env.close()
		return nil, fmt.Errorf("go build ./examples/driive: %w", err)
	}
	return env, nil
}

func (e *environment) close() { _ = os.RemoveAll(e.tmp) }

// sqlite returns a -db value for a new SQLite file.
func (e *environment) sqlite(name string) string {
	return "sqlite:" + filepath.Join(e.tmp, name+".db")
}

// createKey runs the keys CLI (the contract's way to mint a key) and
// returns the key it printed.
func (e *environment) createKey(ctx context.Context, db, org, name, permission string) (string, error) {
	cmd := exec.CommandContext(ctx, e.bin, "keys", "create", "-org", org, "-name", name, "-permission", permission, "-db", db) // #nosec G204 -- the binary we built; arguments come from the scenario
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("keys create: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// server is one running example server process.
type server struct {
	name string
	cmd  *exec.Cmd
	addr string // 127.0.0.1:port
	base string // http://addr
	// logPath is the server's stderr, read once it exited.
	logPath string

	mu       sync.Mutex
	stats    string   // the "keyauth stats" log line
	problems []string // ERROR lines of its log, the first few
	lines    int      // lines of its log

	done    chan struct{}
	waitErr error
}

// startServer starts `driive serve -addr ... -db db` with extra
// environment variables, and returns once it prints "Listening on".
func (e *environment) startServer(ctx context.Context, name, db string, env ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.bin, "serve", "-addr", addr, "-db", db, "-admin-password", "loadtest-"+name) // #nosec G204 -- the binary we built; arguments come from the scenario
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// The log goes to a file, not a pipe: a reader that falls behind
	// would block the server's log writes and show up as latency.
	logPath := filepath.Join(e.tmp, name+".log")
	logFile, err := os.Create(logPath) // #nosec G304 -- a file in our own temp dir
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own copy
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, cmd: cmd, addr: addr, base: "http://" + addr, logPath: logPath, done: make(chan struct{})}
	listening := make(chan struct{})
	var logs sync.WaitGroup
	logs.Add(1)
	go func() {
		defer logs.Done()
		// stdout holds the demo key on a first start: read, never kept.
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Listening on ") {
				once.Do(func() { close(listening) })
			}
		}
	}()
	go func() {
		logs.Wait()
		s.waitErr = cmd.Wait()
		if f, err := os.Open(logPath); err == nil { // #nosec G304 -- a file in our own temp dir
			s.readLog(f)
			_ = f.Close()
		}
		close(s.done)
	}()
	select {
	case <-listening:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("server %s exited before listening: %v; log: %s", name, s.waitErr, strings.Join(s.errors(), " | "))
	case <-time.After(2 * time.Minute):
	case <-ctx.Done():
	}
	s.kill()
	return nil, fmt.Errorf("server %s did not start listening", name)
}

func (s *server) readLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.lines++
		switch {
		case strings.Contains(line, `msg="driive: keyauth stats"`):
			s.stats = line
		case strings.Contains(line, "level=ERROR") && len(s.problems) < 20:
			s.problems = append(s.problems, line)
		}
		s.mu.Unlock()
	}
}

func (s *server) errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM, waits for a clean exit and returns the counters the
// server logged on the way out.
func (s *server) stop() (serviceStats, error) {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return serviceStats{}, err
	}
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.kill()
		return serviceStats{}, fmt.Errorf("server %s did not stop within a minute of SIGTERM", s.name)
	}
	if s.waitErr != nil {
		return serviceStats{}, fmt.Errorf("server %s: %w", s.name, s.waitErr)
	}
	s.mu.Lock()
	line := s.stats
	s.mu.Unlock()
	if len(s.errors()) > 0 {
		fmt.Fprintf(os.Stderr, "loadtest: server %s logged errors: %s\n", s.name, strings.Join(s.errors(), " | "))
	}
	if line == "" {
		return serviceStats{}, errors.New("server " + s.name + " logged no keyauth stats line at shutdown")
	}
	return parseStats(line)
}

// kill ends the process without ceremony (a failed scenario).
func (s *server) kill() {
	_ = s.cmd.Process.Kill() // an error means it has exited already
	<-s.done
}
