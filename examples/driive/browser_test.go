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

	"github.com/driive/keyauth/apikey"
)

// browserChromiumPath is where Debian's chromium package installs the browser.
const browserChromiumPath = "/usr/bin/chromium"

// TestBrowserAPIKeysPage walks the help article's flow in a real browser
// against the real server binary: sign in, switch to a second
// organization, create a key, copy it, reload (no second key, the text is
// gone), use it against the API, rotate it with a grace period (the old
// key answers with Deprecation and Sunset), revoke the new one (refused
// within 2 s), and read the three events with their actor in the
// activity list. It checks the table at 1024 px, hiding revoked keys, the
// expiry sentence, and the same flow without JavaScript. With
// KEYAUTH_UPDATE_SCREENSHOT=1 it saves docs/api-keys-page.png (1440 px)
// and docs/api-keys-page-1024.png.
func TestBrowserAPIKeysPage(t *testing.T) {
	chromium := browserChromium(t)
	// Generous: building the binary alone can take a minute on a busy
	// machine.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	srv := startBrowserServer(ctx, t)
	b := newBrowserPage(ctx, t, chromium, srv.base)

	if got := browserAPIStatus(t, srv.base, "demo", srv.demoKey); got != http.StatusOK {
		t.Fatalf("the demo key printed at start: API status %d, want 200", got)
	}

	b.do("sign in",
		chromedp.Navigate(srv.base+"/developer/api-keys"),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SetValue(chromedp.CSS(`#password`), srv.password),
		chromedp.Click(chromedp.CSS(`form[action="/developer/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[data-org="demo"]`)),
	)
	b.do("switch to a second organization",
		chromedp.SetValue(chromedp.CSS(`#org`), "acme"),
		chromedp.Click(chromedp.CSS(`form[action="/developer/api-keys"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#keys-title`)),
	)
	if loc := b.location(); loc != srv.base+"/organizations/acme/developer/api-keys" {
		t.Fatalf("the switcher led to %s", loc)
	}
	b.page = srv.base + "/organizations/acme/developer/api-keys"

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
	if !strings.Contains(b.text(`#new-key`), "Copy the key now — it will not be shown again") {
		t.Error("the new key is shown without the warning")
	}
	rows := b.count(`tbody tr[data-key-id]`)

	// Reload: the same URL shows the list, not the key, and makes no key.
	b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#keys-title`)))
	if html := b.html(`body`); strings.Contains(html, key) {
		t.Fatal("the key is on the page after a reload")
	}
	if got := b.count(`tbody tr[data-key-id]`); got != rows {
		t.Fatalf("%d keys after the reload, %d before: a reload made a key", got, rows)
	}
	if got := browserAPIStatus(t, srv.base, "acme", key); got != http.StatusOK {
		t.Fatalf("GET appointments with the copied key: %d, want 200", got)
	}

	// Rotate with a grace period: the old key keeps working and says so.
	b.do("rotate",
		chromedp.Navigate(b.page),
		chromedp.Click(chromedp.CSS(`tr[data-key-id="`+id+`"] a[data-rotate]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=grace][value="1h"]`)),
		chromedp.Click(chromedp.CSS(`input[name=grace][value="1h"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/rotate"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-key-value`)),
	)
	replacement, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(`#new-key-value`)))
	if err != nil || !browserKeyRE.MatchString(replacement) || replacement == key {
		t.Fatalf("the rotated-in key is not shown: %v", err)
	}
	res := browserAPI(t, srv.base, "acme", key)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Deprecation"), "@") || res.Header.Get("Sunset") == "" {
		t.Errorf("the old key after rotation: %d, Deprecation %q, Sunset %q; want 200 with both",
			res.StatusCode, res.Header.Get("Deprecation"), res.Header.Get("Sunset"))
	}
	b.do("list after rotation", chromedp.Navigate(b.page), chromedp.WaitVisible(chromedp.CSS(`#keys-title`)))
	if !strings.Contains(b.text(`tr[data-key-id="`+id+`"]`), "Replaced, works until") {
		t.Error("the rotated key is not marked as replaced")
	}

	// Revoke the new key: refused within 2 seconds.
	newID := browserKeyID(t, replacement)
	b.revoke(newID, "Custom Dashboard")
	waitRefused(t, srv.base, "acme", replacement)

	// The activity list: the three events of this key, with the actor.
	events, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('#activity .event-text')).slice(0, 3).map(e => e.textContent.replace(/\s+/g, ' ').trim())`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Admin revoked dk_" + newID + "…", "Admin rotated dk_" + id + "… (replaced by dk_" + newID + "…)", "Admin created dk_" + id + "…"}
	if strings.Join(events, "\n") != strings.Join(want, "\n") {
		t.Errorf("the activity list starts with\n%s\nwant\n%s", strings.Join(events, "\n"), strings.Join(want, "\n"))
	}

	// A picked expiry date says plainly when the key stops working.
	b.do("pick an expiry date",
		chromedp.Click(chromedp.CSS(`.page-head a[data-dialog="create-dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#create-dialog #key-expires`)),
		chromedp.SetValue(chromedp.CSS(`#create-dialog #key-expires`), "2030-06-14"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#create-dialog #key-expires').dispatchEvent(new Event('change'))`),
	)
	if hint := b.text(`#create-dialog [data-expiry-hint]`); !strings.Contains(hint, "works through") || !strings.Contains(hint, "2030") ||
		!strings.Contains(hint, "stops working") || !strings.Contains(hint, "UTC") {
		t.Errorf("the expiry hint says %q", hint)
	}
	b.do("close the dialog", chromedp.Navigate(b.page), chromedp.WaitVisible(chromedp.CSS(`#keys-title`)))

	if os.Getenv("KEYAUTH_UPDATE_SCREENSHOT") == "1" {
		b.screenshot(filepath.Join("..", "..", "docs", "api-keys-page.png"))
	}

	// At 1024 px every column and both buttons are on screen, and the
	// whole prefix shows.
	b.do("1024 px", chromedp.EmulateViewport(1024, 800), chromedp.Navigate(b.page), chromedp.WaitVisible(chromedp.CSS(`#keys-title`)))
	layout, err := chromedp.Run(b.ctx, chromedp.Evaluate[map[string]any](`(() => {
		const w = document.documentElement.clientWidth;
		const out = {scroll: document.documentElement.scrollWidth - w, wrap: 0, off: [], cut: []};
		const wrap = document.querySelector('.table-wrap');
		out.wrap = wrap.scrollWidth - wrap.clientWidth;
		for (const el of document.querySelectorAll('th, a[data-rotate], a[data-revoke]')) {
			const r = el.getBoundingClientRect();
			if (r.right > w || r.left < 0) out.off.push(el.textContent.trim() || el.outerHTML.slice(0, 40));
		}
		for (const el of document.querySelectorAll('code.prefix')) {
			if (el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > w) out.cut.push(el.textContent);
		}
		return out;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if layout["scroll"].(float64) > 0 || layout["wrap"].(float64) > 0 || len(layout["off"].([]any)) > 0 || len(layout["cut"].([]any)) > 0 {
		t.Errorf("at 1024 px: page scrolls by %v, table by %v; off screen %v; prefixes cut %v",
			layout["scroll"], layout["wrap"], layout["off"], layout["cut"])
	}
	if os.Getenv("KEYAUTH_UPDATE_SCREENSHOT") == "1" {
		b.screenshot(filepath.Join("..", "..", "docs", "api-keys-page-1024.png"))
	}
	b.do("1440 px", chromedp.EmulateViewport(1440, 900))

	// Revoked keys can be hidden.
	b.do("hide revoked keys", chromedp.Navigate(b.page), chromedp.Click(chromedp.CSS(`a[data-toggle-revoked]`)),
		chromedp.WaitVisible(chromedp.CSS(`#keys-title`)))
	if got := b.count(`tbody tr.is-revoked`); got != 0 {
		t.Errorf("%d revoked keys shown after hiding them", got)
	}
	if got := b.count(`tr[data-key-id="` + id + `"]`); got != 1 {
		t.Error("hiding revoked keys hid the replaced (still working) key")
	}

	// Without JavaScript the same flow runs on plain links and forms: the
	// create page, and the confirmation page for Revoke.
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("turning JavaScript off: %v", err)
	}
	b.do("create without JavaScript",
		chromedp.Navigate(b.page),
		chromedp.Click(chromedp.CSS(`.page-head a[href$="/new"]`)),
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
	if got := browserAPIStatus(t, srv.base, "acme", plain); got != http.StatusOK {
		t.Fatalf("GET appointments with the key created without JavaScript: %d, want 200", got)
	}
	b.do("revoke without JavaScript",
		chromedp.Click(chromedp.CSS(`tr[data-key-id="`+browserKeyID(t, plain)+`"] a[data-revoke]`)),
		chromedp.WaitVisible(chromedp.CSS(`.card-danger button[type=submit]`)),
		chromedp.Click(chromedp.CSS(`.card-danger button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-success`)),
	)
	waitRefused(t, srv.base, "acme", plain)
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatalf("turning JavaScript on: %v", err)
	}

	b.do("sign out",
		chromedp.Click(chromedp.CSS(`form[action="/developer/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
	)
	b.do("signed out", chromedp.Navigate(b.page), chromedp.WaitVisible(chromedp.CSS(`#password`)))

	if logs := srv.output(); strings.Contains(logs, key) || strings.Contains(logs, old) || strings.Contains(logs, plain) || strings.Contains(logs, replacement) {
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

// browserKeyRE finds a key of the default prefix: apikey.Pattern without
// its anchors.
var browserKeyRE = regexp.MustCompile(strings.Trim(apikey.Pattern.String(), "^$"))

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

// browserAPI calls the article's example request in org with key.
func browserAPI(t *testing.T, base, org, key string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/v1/organizations/"+org+"/appointments", nil)
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
	return res
}

func browserAPIStatus(t *testing.T, base, org, key string) int {
	t.Helper()
	return browserAPI(t, base, org, key).StatusCode
}

// waitRefused polls the API until it refuses key with 401: a revocation
// in the page must take effect within 2 seconds.
func waitRefused(t *testing.T, base, org, key string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		got := browserAPIStatus(t, base, org, key)
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
	page string // the API Keys page the test works on
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
		chromedp.Navigate(p.page),
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
		chromedp.Navigate(p.page),
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
