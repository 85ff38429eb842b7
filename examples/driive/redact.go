package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/driive/keyauth/apikey"
)

// keyText matches a whole key of any prefix.
var keyText = apikey.TextPattern

// keyPiece matches a key of any prefix or a piece of one that gives away
// part of its secret: a prefix, an id and at least 8 characters after it.
// The public display prefix (dk_<id>) alone does not match.
var keyPiece = regexp.MustCompile(`[a-z][a-z0-9]{0,7}_[0-9A-Za-z]{12}_[0-9A-Za-z]{8,}`)

// redacted replaces what keyPiece matches.
const redacted = "[REDACTED]"

// redactKeys replaces anything shaped like a key, or a piece of one, in s.
func redactKeys(s string) string { return keyPiece.ReplaceAllLiteralString(s, redacted) }

// looksLikeKey reports whether s holds a key or a piece of one.
func looksLikeKey(s string) bool { return keyPiece.MatchString(s) }

// withRedaction returns log with every record passing through
// redactHandler, so that no line it writes holds a key: not in the
// message, not in an attribute, whoever logs it (the request log, the
// Service, the middleware, the page, net/http's own errors).
func withRedaction(log *slog.Logger) *slog.Logger {
	if _, ok := log.Handler().(redactHandler); ok {
		return log
	}
	return slog.New(redactHandler{log.Handler()})
}

// redactHandler redacts key-shaped text in the message and the attribute
// values of every record before next sees it.
type redactHandler struct{ next slog.Handler }

func (h redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, redactKeys(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return redactHandler{h.next.WithAttrs(clean)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h.next.WithGroup(redactKeys(name))}
}

// redactAttr redacts a's key and value; a value that is not text (an
// error, a Stringer, any other value) is redacted in the text it would be
// written as.
func redactAttr(a slog.Attr) slog.Attr {
	a.Key = redactKeys(a.Key)
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(redactKeys(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = redactAttr(g)
		}
		a.Value = slog.GroupValue(clean...)
	case slog.KindAny:
		var text string
		switch x := v.Any().(type) {
		case error:
			text = x.Error()
		case fmt.Stringer:
			text = x.String()
		default:
			text = fmt.Sprint(x)
		}
		if looksLikeKey(text) {
			a.Value = slog.StringValue(redactKeys(text))
		} else {
			a.Value = v
		}
	default:
		a.Value = v // numbers, times, durations, booleans hold no key
	}
	return a
}
