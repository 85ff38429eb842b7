package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// browserChromiumPath is where Debian's chromium package installs the browser.
const browserChromiumPath = "/usr/bin/chromium"

// TestBrowserAPIKeysPage walks the help article's flow (its steps are in
// docs/api-keys-page.md) in a real browser
// against the real server binary: sign in, create a key, copy it, use it
// against the API, revoke it with the confirmation, and see the API refuse
// it. With KEYAUTH_UPDATE_SCREENSHOT=1 it also saves the page to
// docs/api-keys-page.png.
func TestBrowserAPIKeysPage(t *testing.T) {
	chromium := browserChromium(t)
	// Generous: building the binary alone can take a minute on a busy
	// machine.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	srv := startBrowserServer(ctx, t)
	b := newBrowserPage(ctx, t, chromium, srv.base)

	// The server's first start printed a demo key: use it, so that the
	// table has a "Last used" time to show.
	if got := browserAPIStatus(t, srv.base, srv.demoKey); got != http.StatusOK {
		t.Fatalf("the demo key printed at start: API status %d, want 200", got)
	}

	b.do("sign in",
		chromedp.Navigate(srv.base+"/developer/api-keys"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SetValue(chromedp.CSS(`#password`), srv.password),
		chromedp.Click(chromedp.CSS(`form[action="/developer/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#keys-title`)),
	)

	// A few keys, so the table looks like an organization's.
	expiry := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	b.createKey("Zapier Integration", "read", expiry)
	b.createKey("CRM Sync", "write", "")
	old := b.createKey("Nightly export script", "read", "")
	b.revoke(browserKeyID(t, old), "Nightly export script")

	key := b.createKey("Custom Dashboard", "write", "")
	id := browserKeyID(t, key)

	// Copy: the page copies the key (or, where the clipboard is refused,
	// selects it and says how to copy it).
	b.do("copy the key",
		chromedp.Click(chromedp.CSS(`button[data-copy]`)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`document.querySelector('[data-copy-status]').textContent.length > 0`,
				chromedp.WithPollingTimeout(5*time.Second))(ctx, tg)
			return err
		}),
	)
	status := b.text(`[data-copy-status]`)
	if !strings.Contains(status, "Copied") && !strings.Contains(status, "Ctrl+C") {
		t.Errorf("after Copy the page says %q", status)
	}
	if strings.Contains(status, "Copied") {
		clip, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		switch {
		case err != nil:
			t.Logf("the clipboard cannot be read back here (%v); the key is read from the page", err)
		case clip != key:
			t.Errorf("the clipboard holds %d characters that are not the shown key", len(clip))
		}
	}
	if !strings.Contains(b.text(`#new-key`), "Copy the key now — it will not be shown again") {
		t.Error("the new key is shown without the warning")
	}
	if got := b.count(`tbody tr[data-key-id="` + id + `"]`); got != 1 {
		t.Errorf("the new key is in the table %d times, want once", got)
	}

	if got := browserAPIStatus(t, srv.base, key); got != http.StatusOK {
		t.Fatalf("GET appointments with the copied key: %d, want 200", got)
	}

	if os.Getenv("KEYAUTH_UPDATE_SCREENSHOT") == "1" {
		b.screenshot(filepath.Join("..", "..", "docs", "api-keys-page.png"))
	}

	// The key is shown once: a fresh load of the page does not have it.
	b.do("reload the list", chromedp.Navigate(srv.base+"/developer/api-keys"), chromedp.WaitVisible(chromedp.CSS(`#keys-title`)))
	if html := b.html(`body`); strings.Contains(html, key) {
		t.Fatal("the key is on the page after a reload")
	}

	b.revoke(id, "Custom Dashboard")
	waitRefused(t, srv.base, key)
	if got := b.count(`tbody tr.is-revoked[data-key-id="` + id + `"]`); got != 1 {
		t.Error("the revoked key is not shown as revoked")
	}

	// Without JavaScript the same flow runs on plain links and forms: the
	// create page, and the confirmation page for Revoke.
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turning JavaScript off: %v", err)
	}
	b.do("create without JavaScript",
		chromedp.Navigate(srv.base+"/developer/api-keys"),
		chromedp.Click(chromedp.CSS(`.page-head a[href="/developer/api-keys/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#create-form #key-name`)),
		chromedp.SetValue(chromedp.CSS(`#create-form #key-name`), "Script-free key"),
		chromedp.Click(chromedp.CSS(`#create-form input[name=permission][value=read]`)),
		chromedp.Click(chromedp.CSS(`#create-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-key-value`)),
		chromedp.WaitNotVisible(chromedp.CSS(`button[data-copy]`)),
	)
	plain, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`#new-key-value`)))
	if err != nil || !browserKeyRE.MatchString(plain) {
		t.Fatalf("the key created without JavaScript is not shown: %v", err)
	}
	if got := browserAPIStatus(t, srv.base, plain); got != http.StatusOK {
		t.Fatalf("GET appointments with the key created without JavaScript: %d, want 200", got)
	}
	b.do("revoke without JavaScript",
		chromedp.Click(chromedp.CSS(`tr[data-key-id="`+browserKeyID(t, plain)+`"] a[data-revoke]`)),
		chromedp.WaitVisible(chromedp.CSS(`.card-danger button[type=submit]`)),
		chromedp.Click(chromedp.CSS(`.card-danger button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-success`)),
	)
	waitRefused(t, srv.base, plain)
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatalf("turning JavaScript on: %v", err)
	}

	b.do("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/developer/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
	)
	b.do("signed out", chromedp.Navigate(srv.base+"/developer/api-keys"), chromedp.WaitVisible(chromedp.CSS(`#password`)))

	if logs := srv.output(); strings.Contains(logs, key) || strings.Contains(logs, old) || strings.Contains(logs, plain) {
		t.Error("a key created in the page reached the server's output")
	}
}

// browserChromium returns the browser to drive. Without one the test skips,
// except in CI, where the browser test must run.
func browserChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(browserChromiumPath); err == nil {
		return browserChromiumPath
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "Chromium not found at " + browserChromiumPath + " (install it with: apt-get install -y chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + "; CI is set, so the browser test must run")
	}
	t.Skip(msg + "; skipping the browser test")
	return ""
}

// browserServer is the example binary running as a child process.
type browserServer struct {
	base     string
	password string
	demoKey  string
	out      *browserOutput
}

func (s *browserServer) output() string { return s.out.String() }

var browserKeyRE = regexp.MustCompile(`dk_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}`)

// startBrowserServer builds the example and runs `driive serve` on a fresh SQLite
// database and a free port, and waits for /healthz.
func startBrowserServer(ctx context.Context, t *testing.T) *browserServer {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "driive")
	start := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the server in %v", time.Since(start).Round(time.Millisecond))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	s := &browserServer{base: "http://" + addr, password: rand.Text(), out: &browserOutput{}}
	cmd := exec.Command(bin, "serve", "-addr", addr, "-db", "sqlite:"+filepath.Join(dir, "d.db"), "-admin-password", s.password)
	cmd.Env = append(os.Environ(), "DRIIVE_DB=", "DRIIVE_ADMIN_PASSWORD=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(io.TeeReader(stdout, s.out))
		for sc.Scan() {
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { <-copied; done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the server did not exit cleanly: %v\n%s", err, s.output())
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("the server did not stop within 20s of SIGINT")
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(s.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer /healthz within 30s: %v\n%s", err, s.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the server answered /healthz %v after start", time.Since(start).Round(time.Millisecond))
	// The demo key is printed before the server starts answering.
	s.demoKey = browserKeyRE.FindString(s.output())
	if s.demoKey == "" {
		t.Fatalf("the first start printed no demo key:\n%s", s.output())
	}
	return s
}

// browserAPIStatus calls the article's example request with key.
func browserAPIStatus(t *testing.T, base, key string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/v1/organizations/demo/appointments", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// waitRefused polls the API until it refuses key with 401: a revocation
// in the page must take effect within 2 seconds.
func waitRefused(t *testing.T, base, key string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := browserAPIStatus(t, base, key)
		if got == http.StatusUnauthorized {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("2s after revocation in the page the API answers %d, want 401", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func browserKeyID(t *testing.T, key string) string {
	t.Helper()
	parts := strings.Split(key, "_")
	if len(parts) != 3 || len(parts[1]) != 12 {
		t.Fatalf("%d characters shown as the key are not a key", len(key))
	}
	return parts[1]
}

// browserPage drives one browser tab.
type browserPage struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowserPage(ctx context.Context, t *testing.T, chromium, base string) *browserPage {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	p := &browserPage{t: t, ctx: tab, base: base}
	// The first action starts the browser and ties it to the context it
	// runs on: that must be tab itself, not a shorter-lived child.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1440, 900)); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	// Let the page's Copy button use the real clipboard, so the test can
	// read it back. If this browser refuses, the page's fallback runs.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(tab, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name, AllowWithoutSanitization: true},
			Setting:    browser.PermissionSettingGranted,
			Origin:     base,
		})
		if err != nil {
			t.Logf("granting %s: %v", name, err)
		}
	}
	return p
}

func (p *browserPage) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v\npage: %s", what, err, p.location())
	}
}

func (p *browserPage) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return loc
}

func (p *browserPage) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (p *browserPage) html(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.OuterHTML(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("HTML of %s: %v", sel, err)
	}
	return s
}

func (p *browserPage) count(sel string) int {
	p.t.Helper()
	n, err := chromedp.Run(p.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		p.t.Fatalf("counting %s: %v", sel, err)
	}
	return n
}

// createKey goes through "Create API Key" as the article describes and
// returns the key the page shows.
func (p *browserPage) createKey(name, perm, expires string) string {
	p.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(p.base + "/developer/api-keys"),
		chromedp.Click(chromedp.CSS(`.page-head a[data-dialog="create-dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#create-dialog #key-name`)),
		chromedp.SetValue(chromedp.CSS(`#create-dialog #key-name`), name),
		chromedp.Click(chromedp.CSS(`#create-dialog input[name=permission][value=` + perm + `]`)),
	}
	if expires != "" {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(`#create-dialog #key-expires`), expires))
	}
	steps = append(steps,
		chromedp.Click(chromedp.CSS(`#create-dialog button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-key-value`)),
	)
	p.do("create "+name, steps...)
	key, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.CSS(`#new-key-value`)))
	if err != nil {
		p.t.Fatalf("reading the new key: %v", err)
	}
	if !browserKeyRE.MatchString(key) {
		p.t.Fatalf("create %s: the page shows %d characters that are not a key", name, len(key))
	}
	return key
}

// revoke clicks the key's Revoke button, confirms, and waits for the
// notice.
func (p *browserPage) revoke(id, name string) {
	p.t.Helper()
	p.do("revoke "+name,
		chromedp.Navigate(p.base+"/developer/api-keys"),
		chromedp.Click(chromedp.CSS(`tr[data-key-id="`+id+`"] a[data-revoke]`)),
		chromedp.WaitVisible(chromedp.CSS(`#revoke-dialog button[type=submit]`)),
	)
	if got := p.text(`#revoke-dialog [data-revoke-name]`); got != name {
		p.t.Errorf("the confirmation names %q, want %q", got, name)
	}
	p.do("confirm revoking "+name,
		chromedp.Click(chromedp.CSS(`#revoke-dialog button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-success`)),
	)
	if got := p.text(`.alert-success`); !strings.Contains(got, "Revoked “"+name+"”") {
		p.t.Errorf("after revoking, the page says %q", got)
	}
}

func (p *browserPage) screenshot(path string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("saved %s (%d bytes)", path, len(png))
}

// browserOutput collects the server's output from two goroutines.
type browserOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *browserOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *browserOutput) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
