package main

import (
	"log/slog"
	"net/http"
	"time"
)

// httpLimits bound what one connection may hold of the server, so that
// slow or careless clients (a body that stops half-way, headers sent a byte
// at a time, a connection left open) cannot pile up until the server runs
// out of connections or file descriptors.
type httpLimits struct {
	// ReadHeader bounds reading a request's headers.
	ReadHeader time.Duration
	// Read bounds reading a whole request, headers and body: a request
	// whose body stops arriving is cut off when it runs out, whether or not
	// it carries a key (without one the server still reads the body before
	// answering 401, to keep the connection usable).
	Read time.Duration
	// Write bounds the time from the end of the headers to the end of the
	// answer, the handler included.
	Write time.Duration
	// Idle bounds the wait for the next request on a kept-alive connection.
	Idle time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
}

// defaultHTTPLimits are the server's limits. A request body of 1 MiB (the
// largest one accepted) must arrive at 100 KiB/s or faster.
var defaultHTTPLimits = httpLimits{
	ReadHeader:     5 * time.Second,
	Read:           10 * time.Second,
	Write:          30 * time.Second,
	Idle:           60 * time.Second,
	MaxHeaderBytes: 32 << 10,
}

// newHTTPServer returns the server of handler with limits l; a zero field
// of l takes its default.
func newHTTPServer(handler http.Handler, l httpLimits, log *slog.Logger) *http.Server {
	d := defaultHTTPLimits
	pick := func(v, def time.Duration) time.Duration {
		if v > 0 {
			return v
		}
		return def
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: pick(l.ReadHeader, d.ReadHeader),
		ReadTimeout:       pick(l.Read, d.Read),
		WriteTimeout:      pick(l.Write, d.Write),
		IdleTimeout:       pick(l.Idle, d.Idle),
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
