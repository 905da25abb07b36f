// Package secrets keeps known secrets out of log output: a Redactor learns
// every token, key and access secret as it enters the process and scrubs any
// piece of them longer than 8 characters from what is logged.
package secrets

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// Window is the longest piece of a secret that may appear anywhere.
const Window = 8

// Redactor scrubs registered secrets from strings. The zero value is not
// usable; build one with New. A nil *Redactor redacts nothing.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]struct{}
}

// New returns an empty Redactor.
func New() *Redactor { return &Redactor{secrets: map[string]struct{}{}} }

// Add registers a secret. Secrets shorter than Window+1 cannot leak a piece
// longer than Window and are ignored.
func (r *Redactor) Add(secret string) {
	if r == nil || len(secret) <= Window {
		return
	}
	r.mu.Lock()
	r.secrets[secret] = struct{}{}
	r.mu.Unlock()
}

// Redact replaces every piece of Window+1 or more characters of a registered
// secret in s with "[REDACTED]".
func (r *Redactor) Redact(s string) string {
	if r == nil || len(s) <= Window {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for secret := range r.secrets {
		s = redactOne(s, secret)
	}
	return s
}

// redactOne removes from s every substring of secret longer than Window.
// It slides a Window+1 window over the secret: any leaked piece longer than
// Window contains at least one such window.
func redactOne(s, secret string) string {
	n := Window + 1
	for i := 0; i+n <= len(secret); i++ {
		w := secret[i : i+n]
		for {
			j := strings.Index(s, w)
			if j < 0 {
				break
			}
			// Grow the match as far as it keeps agreeing with the secret.
			start, end := j, j+n
			si, ei := i, i+n
			for start > 0 && si > 0 && s[start-1] == secret[si-1] {
				start--
				si--
			}
			for end < len(s) && ei < len(secret) && s[end] == secret[ei] {
				end++
				ei++
			}
			s = s[:start] + "[REDACTED]" + s[end:]
		}
	}
	return s
}

// Handler wraps next so every string attribute and the message pass through
// r before they are written.
func (r *Redactor) Handler(next slog.Handler) slog.Handler {
	return &handler{next: next, r: r}
}

type handler struct {
	next slog.Handler
	r    *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		attrs := make([]any, 0, len(group))
		for _, g := range group {
			attrs = append(attrs, h.attr(g))
		}
		return slog.Group(a.Key, attrs...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.Redact(err.Error()))
		}
		return slog.String(a.Key, h.r.Redact(v.String()))
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &handler{next: h.next.WithAttrs(red), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), r: h.r}
}
