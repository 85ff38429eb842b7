package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/examples/driive/internal/web"
	"github.com/driive/keyauth/store/memstore"
)

const password = "correct horse battery staple"

// env is a page served over httptest with an in-memory key store.
type env struct {
	t    *testing.T
	svc  *apikey.Service
	srv  *httptest.Server
	logs *syncBuffer
	now  *clock
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects log output from handlers running on server
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newEnv(t *testing.T, tlsServer bool) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)}
	svc, err := apikey.NewService(apikey.Config{
		Store: memstore.New(),
		Hash:  apikey.HashParams{Memory: 8 * 1024, Iterations: 1},
		Now:   clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	h, err := web.New(web.Config{
		Service:       svc,
		AdminPassword: password,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:           clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	if tlsServer {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return &env{t: t, svc: svc, srv: srv, logs: logs, now: clk}
}

// client returns a cookie-keeping client that does not follow redirects,
// so each test sees every 303.
func (e *env) client() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// signedIn returns a client with a live session.
func (e *env) signedIn() *http.Client {
	e.t.Helper()
	c := e.client()
	res := e.post(c, "/developer/login", url.Values{"password": {password}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/developer/api-keys" {
		// The organization switcher, when no page asked for the sign-in.
		e.t.Fatalf("sign-in: status %d, Location %q", res.status, res.header.Get("Location"))
	}
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(c *http.Client, req *http.Request) response {
	e.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (e *env) get(c *http.Client, path string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(c, req)
}

func (e *env) post(c *http.Client, path string, form url.Values, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(c, req)
}

// keyRE finds a key of the default prefix: apikey.Pattern without its
// anchors.
var keyRE = regexp.MustCompile(strings.Trim(apikey.Pattern.String(), "^$"))

const keysPage = "/organizations/demo/developer/api-keys"

// createKey creates a key through the page in org and returns the text it
// shows once, after the redirect.
func (e *env) createKey(c *http.Client, org, name string) string {
	e.t.Helper()
	page := "/organizations/" + org + "/developer/api-keys"
	res := e.post(c, page, url.Values{"name": {name}, "permission": {"read"}})
	if res.status != http.StatusSeeOther {
		e.t.Fatalf("create %q: status %d\n%s", name, res.status, res.body)
	}
	shown := e.get(c, res.header.Get("Location"))
	keys := keyRE.FindAllString(shown.body, -1)
	if len(keys) != 1 {
		e.t.Fatalf("create %q: the page shows %d keys, want exactly 1", name, len(keys))
	}
	return keys[0]
}
