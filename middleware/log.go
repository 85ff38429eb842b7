package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
)

// observe reports a request's outcome to the logger and the hook. Only
// public facts go out: status, code, method, route pattern, key id,
// prefix and organization. The URL and path values are left out because a
// client may paste a key into them.
func (m *Middleware) observe(r *http.Request, token string, res Result) {
	if m.logger != nil {
		m.log(r, res)
	}
	if m.onResult != nil {
		m.callHook(r, token, res)
	}
}

func (m *Middleware) log(r *http.Request, res Result) {
	ctx := r.Context()
	level, msg := slog.LevelDebug, "keyauth: request authenticated"
	switch {
	case res.Status >= 500 && res.Status != http.StatusServiceUnavailable:
		level, msg = slog.LevelError, "keyauth: request failed"
	case res.Status == http.StatusServiceUnavailable && ctx.Err() != nil:
		// The client left or its deadline passed: not an outage.
		level, msg = slog.LevelInfo, "keyauth: request ended before its key was checked"
	case res.Status == http.StatusServiceUnavailable:
		level, msg = slog.LevelWarn, "keyauth: authentication unavailable"
	case res.Status != 0:
		// A refusal is the client's mistake, and a flood of them is an
		// attack: logging each at Info would hand the attacker the
		// server's log I/O. Count them with Config.OnResult instead.
		level, msg = slog.LevelDebug, "keyauth: request refused"
	}
	if !m.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	if res.Status != 0 {
		attrs = append(attrs, slog.Int("status", res.Status), slog.String("code", res.Code))
	}
	attrs = append(attrs, slog.String("method", r.Method))
	if r.Pattern != "" {
		attrs = append(attrs, slog.String("route", r.Pattern))
	}
	if res.KeyID != "" {
		attrs = append(attrs, slog.String("key_id", res.KeyID))
	}
	if p := res.Principal; p.KeyID != "" {
		attrs = append(attrs, slog.String("key_prefix", p.Prefix), slog.String("org", p.OrgID),
			slog.String("permission", p.Permission.String()))
	}
	if res.Err != nil {
		attrs = append(attrs, slog.String("error", res.Err.Error()))
	}
	m.logger.LogAttrs(ctx, level, msg, attrs...)
}

// callHook runs Config.OnResult. A panic in it must neither fail the
// request nor carry the key into a log: the panic value is logged with
// every key-shaped text redacted.
func (m *Middleware) callHook(r *http.Request, token string, res Result) {
	defer func() {
		if v := recover(); v != nil && m.logger != nil {
			m.logger.LogAttrs(r.Context(), slog.LevelError, "keyauth: OnResult hook panicked",
				slog.String("panic", m.redact(fmt.Sprint(v), r, token)), slog.String("key_id", res.KeyID))
		}
	}()
	m.onResult(r, res)
}
