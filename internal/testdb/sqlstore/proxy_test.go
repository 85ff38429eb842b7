package sqlstore_test

import (
	"io"
	"log"
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// proxy forwards TCP connections to a database server until Cut, which
// drops every connection and refuses new ones, until Restore. The real
// servers are shared with other tests and are never stopped.
type proxy struct {
	ln       net.Listener
	upstream string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func newProxy(t testing.TB, upstream string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, upstream: upstream, conns: map[net.Conn]bool{}}
	var wg sync.WaitGroup
	wg.Go(p.accept)
	t.Cleanup(func() {
		ln.Close()
		p.Cut()
		wg.Wait()
	})
	return p
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		p.mu.Unlock()
		if cut {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			dst.Close()
			src.Close()
		}
		go pipe(c, up)
		go pipe(up, c)
	}
}

// Cut closes every forwarded connection and refuses new ones.
func (p *proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore forwards new connections again.
func (p *proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// viaProxy returns dsn with its server address replaced by a proxy's.
func viaProxy(t testing.TB, driverName, dsn string) (string, *proxy) {
	t.Helper()
	switch driverName {
	case "pgx":
		u, err := url.Parse(dsn)
		if err != nil || u.Host == "" {
			t.Fatalf("proxy: cannot rewrite PostgreSQL DSN %q (use the URL form)", dsn)
		}
		host := u.Host
		if u.Port() == "" {
			host = net.JoinHostPort(u.Hostname(), "5432")
		}
		p := newProxy(t, host)
		u.Host = p.Addr()
		return u.String(), p
	case "mysql":
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		p := newProxy(t, cfg.Addr)
		cfg.Addr = p.Addr()
		return cfg.FormatDSN(), p
	}
	t.Fatalf("proxy: no network for driver %s", driverName)
	return "", nil
}

func init() {
	// Cutting the proxy makes the MySQL driver log every broken
	// connection; the test checks the outcome itself.
	_ = mysql.SetLogger(log.New(io.Discard, "", 0))
}
