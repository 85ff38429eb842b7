package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

type logNoteKey struct{}

// logNote carries what inner handlers learn about a request (the key that
// authenticated it) out to the request log.
type logNote struct{ keyID atomic.Pointer[string] }

// noteKey records the id of the key that authenticated the request. The id
// is public; the key itself is never logged.
func noteKey(ctx context.Context, keyID string) {
	if n, ok := ctx.Value(logNoteKey{}).(*logNote); ok {
		n.keyID.Store(&keyID)
	}
}

// logRequests writes one line per request: method, path, status, size,
// duration and key id. It never logs headers (Authorization holds the key)
// or the query string; a key pasted into the path is redacted, like any
// key-shaped text in any line, by the logger's redactHandler.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		note := &logNote{}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), logNoteKey{}, note)))
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr),
		}
		if id := note.keyID.Load(); id != nil {
			attrs = append(attrs, slog.String("key_id", *id))
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	})
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
