package main

import (
	"bufio"
	"context"
	"encoding/json"
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
	twin string // the twin (twin/twin.go); "" until built
}

func newEnvironment(ctx context.Context, opt options) (*environment, error) {
	root, err := repoRoot(ctx)
	if err != nil {
		return nil, err
	}
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

// repoRoot is the repository's root: the directory of the go.work the go
// command uses, else the main module's directory.
func repoRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOWORK").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOWORK (run from the repository): %w", err)
	}
	if w := strings.TrimSpace(string(out)); w != "" && w != "off" {
		return filepath.Dir(w), nil
	}
	out, err = exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root (run from the repository): %w", err)
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), nil
}

// twinFile is the file the twin adds to the example (see its comment).
const twinFile = "internal/cmd/loadtest/twin/twin.go"

// twinBinary builds, once, the example with twin/twin.go added through
// an overlay: the example's sources are not touched.
func (e *environment) twinBinary(ctx context.Context) (string, error) {
	if e.twin != "" {
		return e.twin, nil
	}
	bin := filepath.Join(e.tmp, "driive-twin")
	if err := buildTwin(ctx, e.root, e.tmp, bin); err != nil {
		return "", err
	}
	e.twin = bin
	return bin, nil
}

// buildTwin writes the overlay into dir and builds the twin to bin.
func buildTwin(ctx context.Context, root, dir, bin string) error {
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {
		filepath.Join(root, "examples", "driive", "zz_loadtest_twin.go"): filepath.Join(root, filepath.FromSlash(twinFile)),
	}})
	if err != nil {
		return err
	}
	ovPath := filepath.Join(dir, "twin-overlay.json")
	if err := os.WriteFile(ovPath, overlay, 0o600); err != nil {
		return err
	}
	build := exec.CommandContext(ctx, "go", "build", "-tags", "loadtesttwin", "-overlay", ovPath, "-o", bin, "./examples/driive") // #nosec G204 -- paths are our own temp dir
	build.Dir = root
	var out strings.Builder
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the no-auth twin of ./examples/driive (%s no longer compiles against the example?): %w: %s", twinFile, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// seedKeys creates n read keys of org in db through the twin's
// loadtest-seed command (the example's own key store, default argon2id
// parameters) and returns them.
func (e *environment) seedKeys(ctx context.Context, db, org string, n int) ([]string, error) {
	bin, err := e.twinBinary(ctx)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "loadtest-seed", "-db", db, "-org", org, "-n", itoa(n)) // #nosec G204 -- the binary we built; arguments come from the scenario
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("seeding %d keys: %w: %s", n, err, strings.TrimSpace(stderr.String()))
	}
	keys := strings.Fields(string(out))
	if len(keys) != n {
		return nil, fmt.Errorf("seeding printed %d keys, want %d", len(keys), n)
	}
	return keys, nil
}

// sqlite returns a -db value for a new SQLite file.
func (e *environment) sqlite(name string) string {
	return "sqlite:" + filepath.Join(e.tmp, name+".db")
}

// createKey runs the keys CLI (docs/example-server.md's way to mint a key) and
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
	return e.startBinary(ctx, e.bin, name, db, env...)
}

// startBinary is startServer with another build of the example (the
// twin).
func (e *environment) startBinary(ctx context.Context, bin, name, db string, env ...string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "-addr", addr, "-db", db, "-admin-password", "loadtest-"+name) // #nosec G204 -- the binary we built; arguments come from the scenario
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

// session starts a build of the example (bin) on db, runs f against it,
// then stops it with SIGTERM and returns the counters it logged at
// shutdown. If f or the start fails, or ctx ends, the server is killed.
func (e *environment) session(ctx context.Context, bin, name, db string, env []string, f func(*server) error) (serviceStats, error) {
	srv, err := e.startBinary(ctx, bin, name, db, env...)
	if err != nil {
		return serviceStats{}, err
	}
	if err := f(srv); err != nil {
		srv.kill()
		return serviceStats{}, err
	}
	if err := ctx.Err(); err != nil {
		srv.kill()
		return serviceStats{}, err
	}
	return srv.stop()
}
