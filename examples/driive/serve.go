package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/examples/driive/internal/web"
	"github.com/driive/keyauth/middleware"
	"github.com/driive/keyauth/middleware/otelauth"
)

// shutdownTimeout bounds how long in-flight requests may run once a
// signal arrived.
const shutdownTimeout = 30 * time.Second

func serve(ctx context.Context, args []string, e env) error {
	c := newCommand("driive serve", "[-addr 127.0.0.1:8080] [-db DSN] [-admin-password PW] [-metrics-addr 127.0.0.1:9090]",
		`Serves the API under /v1/organizations/{orgId}/, the API Keys page of every
organization at /organizations/{orgId}/developer/api-keys (/developer/api-keys
lists organizations), and the key management API under
/admin/v1/organizations/{orgId}/ (the signed-in admin, or HTTP Basic "admin"
and the admin password). On the first start against an empty database it
creates a write key for organization "demo" and prints it once. With
-metrics-addr it also serves Prometheus metrics at GET /metrics on that
loopback address.`)
	addr := c.fs.String("addr", "127.0.0.1:8080", "address to listen on")
	db := c.dbFlag()
	adminPassword := c.fs.String("admin-password", "", "admin password of the API Keys page and the management API, at least 12 characters (default $DRIIVE_ADMIN_PASSWORD, else generated and printed)")
	metricsAddr := c.fs.String("metrics-addr", "", "loopback address (127.0.0.1:PORT, [::1]:PORT, localhost:PORT) to serve Prometheus metrics on at GET /metrics, apart from -addr (default: none)")
	pos, err := c.parse(args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %s (see %s -h)", quoteShort(pos[0]), c.name)
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usagef("-addr must be host:port, like 127.0.0.1:8080")
	}
	if *metricsAddr != "" {
		if err := checkMetricsAddr(*metricsAddr, *addr); err != nil {
			return err
		}
	}
	src, err := resolveDB(*db, e)
	if err != nil {
		return err
	}
	password := *adminPassword
	if password == "" {
		password = e.getenv("DRIIVE_ADMIN_PASSWORD")
	}
	generated := password == ""
	if generated {
		password = rand.Text()
	}
	if len(password) < web.MinPasswordLen {
		// It opens every organization's keys, to scripts too.
		return usagef("the admin password must be at least %d characters (it has %d); set a longer -admin-password or DRIIVE_ADMIN_PASSWORD, or leave both empty to have one generated",
			web.MinPasswordLen, len(password))
	}
	return runServer(ctx, serverConfig{Addr: *addr, MetricsAddr: *metricsAddr, Source: src, AdminPassword: password,
		ShowPassword: generated, Stdout: e.stdout, Log: slog.New(slog.NewTextHandler(e.stderr, nil))})
}

type serverConfig struct {
	Addr          string
	MetricsAddr   string // "": no metrics; else checked by checkMetricsAddr
	Source        dataSource
	AdminPassword string
	ShowPassword  bool // the password was generated: print it
	Stdout        interface{ Write([]byte) (int, error) }
	Log           *slog.Logger      // wrapped by withRedaction: no line holds a key
	Hash          apikey.HashParams // zero: the Service's default
	Limits        httpLimits        // zero fields: defaultHTTPLimits
	// Meter, when set, counts the middleware's authentications
	// (otelauth.WrapAuthenticator).
	Meter metric.MeterProvider
}

// runServer serves until ctx is done (SIGINT or SIGTERM), then stops
// accepting connections, lets in-flight requests finish, writes pending
// last-used times and closes the database.
func runServer(ctx context.Context, cfg serverConfig) error {
	cfg.Log = withRedaction(cfg.Log)
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	d, err := openDatabase(startCtx, cfg.Source)
	if err != nil {
		return err
	}
	defer d.Close()
	svc, err := apikey.NewService(apikey.Config{Store: d.keys, Logger: cfg.Log, Hash: cfg.Hash})
	if err != nil {
		return err
	}
	var metrics *metricsEndpoint
	if cfg.MetricsAddr != "" {
		if metrics, err = newMetricsEndpoint(svc, cfg.MetricsAddr, cfg.Log); err != nil {
			return err
		}
		defer func() {
			if err := metrics.Close(context.WithoutCancel(ctx)); err != nil {
				cfg.Log.Warn("driive: closing the metrics", "error", err)
			}
		}()
		cfg.Meter = metrics.Provider
	}
	handler, err := buildHandler(startCtx, d, svc, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + dialable(ln.Addr())

	// The demo key is printed before the first request can be answered.
	k, secret, err := bootstrapDemoKey(startCtx, d, svc, time.Now())
	if err != nil {
		return err
	}
	if secret.Reveal() != "" {
		fmt.Fprintf(cfg.Stdout, "Created a write key for organization %q (%s). It is shown once; store it now:\n\n  %s\n\nTry it:\n\n  curl -H \"Authorization: Bearer %s\" %s/v1/organizations/%s/appointments\n\n",
			demoOrg, k.Prefix, secret.Reveal(), secret.Reveal(), base, demoOrg)
	}
	if cfg.ShowPassword {
		fmt.Fprintf(cfg.Stdout, "Admin password for %s/developer/api-keys: %s\n", base, cfg.AdminPassword)
	}

	srv := newHTTPServer(handler, cfg.Limits, cfg.Log)
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		_ = svc.Run(runCtx) // returns nil when Close is called
	}()
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	var metricsSrv *http.Server
	if metrics != nil {
		metricsSrv = newHTTPServer(metrics.handler, cfg.Limits, cfg.Log)
		go func() { served <- metricsSrv.Serve(metrics.ln) }()
		fmt.Fprintf(cfg.Stdout, "Metrics on %s\n", metrics.URL())
		cfg.Log.Info("driive: serving metrics", "url", metrics.URL())
	}
	started := time.Now()
	fmt.Fprintf(cfg.Stdout, "Listening on %s\n", base)
	cfg.Log.Info("driive: serving", "addr", base, "db", cfg.Source.dialect.String())

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	cfg.Log.Info("driive: shutting down")
	shutCtx, cancelShut := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancelShut()
	if err := srv.Shutdown(shutCtx); err != nil {
		cfg.Log.Warn("driive: in-flight requests did not finish in time", "error", err)
	}
	if metricsSrv != nil {
		if err := metricsSrv.Shutdown(shutCtx); err != nil {
			cfg.Log.Warn("driive: a metrics scrape did not finish in time", "error", err)
		}
	}
	// The last-used write gets its own deadline: in-flight requests may
	// have used up shutCtx.
	closeCtx, cancelClose := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancelClose()
	if err := svc.Close(closeCtx); err != nil {
		cfg.Log.Error("driive: writing last-used times", "error", err)
	}
	logServiceStats(cfg.Log, svc.Stats(), time.Since(started))
	stopRun()
	<-ran
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	cfg.Log.Info("driive: stopped")
	return nil
}

func buildHandler(ctx context.Context, d *database, svc *apikey.Service, cfg serverConfig) (http.Handler, error) {
	cfg.Log = withRedaction(cfg.Log) // every part of the handler logs through it
	cursorKey, err := d.cursorKey(ctx)
	if err != nil {
		return nil, err
	}
	var auth middleware.Authenticator = svc
	if cfg.Meter != nil {
		if auth, err = otelauth.WrapAuthenticator(svc, otelauth.Options{MeterProvider: cfg.Meter}); err != nil {
			return nil, err
		}
	}
	mw, err := middleware.New(middleware.Config{Authenticator: auth, Realm: "driive", Logger: cfg.Log})
	if err != nil {
		return nil, err
	}
	// /mcp has no {orgId}: the organization is the key's, and every
	// request is a POST, so the permission is checked per tool.
	mcpAuth, err := middleware.New(middleware.Config{Authenticator: auth, Realm: "driive", Logger: cfg.Log,
		Org:        func(*http.Request) (string, bool) { return "", false },
		Permission: func(*http.Request) apikey.Permission { return apikey.Read },
	})
	if err != nil {
		return nil, err
	}
	pages, err := web.New(web.Config{Service: svc, AdminPassword: cfg.AdminPassword, Logger: cfg.Log})
	if err != nil {
		return nil, err
	}
	return newHandler(handlerConfig{DB: d, CursorKey: cursorKey, Auth: mw.Handler, MCPAuth: mcpAuth.Handler, Web: pages, Logger: cfg.Log})
}

// dialable turns a listening address into one a client can dial: an
// unspecified host (0.0.0.0, ::) becomes loopback.
func dialable(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}
