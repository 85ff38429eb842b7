package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/driive/keyauth/apikey"
	"github.com/driive/keyauth/middleware/otelauth"
)

// The -metrics-addr endpoint answers GET /metrics without authentication,
// so it listens on a loopback address only, never on the API's listener:
// a scraper on the same machine (or a sidecar sharing its network) reads
// it, nobody else.

// checkMetricsAddr reports why addr cannot be the metrics listener's
// address, or nil. It must be host:port with a numeric port, the host a
// loopback address (127.0.0.0/8, ::1) or localhost, and the port not the
// one of apiAddr (the -addr value) unless both are 0.
func checkMetricsAddr(addr, apiAddr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("-metrics-addr must be a loopback host:port, like 127.0.0.1:9090, [::1]:9090 or localhost:9090")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return usagef("-metrics-addr must have a port number, like 127.0.0.1:9090")
	}
	if !loopbackHost(host) {
		return usagef("-metrics-addr must be a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT): the metrics need no key, so they are not served beyond this machine")
	}
	if _, apiPort, err := net.SplitHostPort(apiAddr); err == nil && port != "0" && samePort(port, apiPort) {
		return usagef("-metrics-addr must be another port than -addr: the metrics have a listener of their own")
	}
	return nil
}

// loopbackHost reports whether host names a loopback address: localhost
// or a literal loopback IP, without a zone.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.IsLoopback()
}

func samePort(a, b string) bool {
	pa, errA := strconv.ParseUint(a, 10, 16)
	pb, errB := strconv.ParseUint(b, 10, 16)
	return errA == nil && errB == nil && pa == pb
}

// metricsEndpoint is the -metrics-addr listener and what it serves:
// keyauth's instruments from middleware/otelauth (the Service's Stats and,
// through Provider, the middleware's authentications by outcome), with the
// Go runtime's and the process's, exported by OpenTelemetry's Prometheus
// exporter into a registry of its own.
type metricsEndpoint struct {
	// Provider makes the meters of otelauth.WrapAuthenticator.
	Provider *sdkmetric.MeterProvider
	handler  http.Handler
	stats    metric.Registration
	ln       net.Listener
}

// newMetricsEndpoint reports svc's Stats and listens on addr, which
// checkMetricsAddr accepted. Close it when the server stops.
func newMetricsEndpoint(svc *apikey.Service, addr string, log *slog.Logger) (*metricsEndpoint, error) {
	reg := prometheus.NewRegistry()
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	m := &metricsEndpoint{Provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))}
	// Neither key text nor organization ids become labels: otelauth
	// labels by outcome, path and result only.
	if m.stats, err = otelauth.RegisterStats(svc, otelauth.Options{MeterProvider: m.Provider}); err != nil {
		return nil, errors.Join(fmt.Errorf("metrics: %w", err), m.Close(context.Background()))
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}))
	m.handler = mux

	if m.ln, err = net.Listen("tcp", addr); err != nil {
		return nil, errors.Join(fmt.Errorf("-metrics-addr: %w", err), m.Close(context.Background()))
	}
	// localhost is resolved by the system: hold it to its word.
	if tcp, ok := m.ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		err := fmt.Errorf("-metrics-addr %s listens on %s, which is not a loopback address", addr, m.ln.Addr())
		return nil, errors.Join(err, m.Close(context.Background()))
	}
	return m, nil
}

// URL is where the metrics are scraped.
func (m *metricsEndpoint) URL() string { return "http://" + dialable(m.ln.Addr()) + "/metrics" }

// Close stops reporting and closes the listener, if it is still open.
func (m *metricsEndpoint) Close(ctx context.Context) error {
	var errs []error
	if m.ln != nil {
		if err := m.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if m.stats != nil {
		errs = append(errs, m.stats.Unregister())
	}
	errs = append(errs, m.Provider.Shutdown(ctx))
	return errors.Join(errs...)
}
