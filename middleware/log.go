package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/driive/keyauth/apikey"
)

// observe reports a request's outcome to the logger and the hook. Only
// public facts go out: status, code, method, route pattern, key id,
// prefix and organization. The URL and path values are left out because a
// client may paste a key into them.
func (m *Middleware) observe(r *http.Request, token string, res Result) {
	if m.logger != nil {
		m.log(r.Context(), r.Method, r.Pattern, res)
	}
	if m.onResult != nil {
		m.callHook(r, token, res)
	}
}

// log writes res's record. method and route are "" when unknown (Check).
func (m *Middleware) log(ctx context.Context, method, route string, res Result) {
	level, msg := levelOf(ctx, res.Status)
	if level == slog.LevelError && errors.Is(res.Err, apikey.ErrSchemaOutdated) && !m.schemaLogged.CompareAndSwap(false, true) {
		// Every request fails the same way until someone migrates: the
		// first record says what to do, the rest would bury it.
		level = slog.LevelDebug
	}
	if !m.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	if res.Status != 0 {
		attrs = append(attrs, slog.Int("status", res.Status), slog.String("code", res.Code))
	}
	if method != "" {
		attrs = append(attrs, slog.String("method", method))
	}
	if route != "" {
		attrs = append(attrs, slog.String("route", route))
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
				slog.String("panic", m.redact(fmt.Sprint(v), r.Header["Authorization"], token)), slog.String("key_id", res.KeyID))
		}
	}()
	m.onResult(r, res)
}

// renderRefusal writes ref with Config.RenderRefusal's body. The status and
// the contract's headers are the middleware's; a hook that panics gets the
// standard problem body instead, and the panic is logged redacted.
func (m *Middleware) renderRefusal(w http.ResponseWriter, r *http.Request, token string, ref *Refusal) {
	contentType, body, ok := m.callRender(r, token, ref)
	if !ok {
		contentType, body = "application/problem+json", ref.body
	}
	writeAnswer(w, ref, contentType, body)
}

func (m *Middleware) callRender(r *http.Request, token string, ref *Refusal) (contentType string, body []byte, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			ok = false
			if m.logger != nil {
				m.logger.LogAttrs(r.Context(), slog.LevelError, "keyauth: RenderRefusal hook panicked",
					slog.String("panic", m.redact(fmt.Sprint(v), r.Header["Authorization"], token)), slog.String("key_id", ref.KeyID))
			}
		}
	}()
	contentType, body = m.render(r, ref)
	return contentType, body, true
}
