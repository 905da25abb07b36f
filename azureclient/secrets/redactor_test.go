package secrets

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactor_Redact(t *testing.T) {
	const secret = "abcdefghijklmnopqrstuvwxyz0123456789"
	tests := []struct {
		name   string
		given  string
		expect string
	}{
		{name: "whole secret", given: "token=" + secret + " end", expect: "token=[REDACTED] end"},
		{name: "nine character piece", given: "x" + secret[10:19] + "x", expect: "x[REDACTED]x"},
		{name: "eight character piece is allowed", given: secret[:8] + "…" + secret[len(secret)-8:], expect: secret[:8] + "…" + secret[len(secret)-8:]},
		{name: "twice", given: secret + " and " + secret, expect: "[REDACTED] and [REDACTED]"},
		{name: "unrelated", given: "hello world, nothing to see", expect: "hello world, nothing to see"},
	}
	r := New()
	r.Add(secret)
	r.Add("short") // ignored: cannot leak more than Window characters
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Redact(tt.given); got != tt.expect {
				t.Fatalf("Redact(%q) = %q, want %q", tt.given, got, tt.expect)
			}
		})
	}
}

func TestRedactor_Handler(t *testing.T) {
	const secret = "S3cr3tKeyValueThatMustNeverBeLogged=="
	var buf bytes.Buffer
	r := New()
	r.Add(secret)
	log := slog.New(r.Handler(slog.NewJSONHandler(&buf, nil)))
	log.With("pre", secret).Info("msg "+secret, "key", secret, "err", errors.New("failed with "+secret),
		slog.Group("g", "inner", secret))
	if strings.Contains(buf.String(), secret[:9]) || strings.Contains(buf.String(), secret[10:19]) {
		t.Fatalf("secret leaked into log: %s", buf.String())
	}
	if got := strings.Count(buf.String(), "[REDACTED]"); got != 5 {
		t.Fatalf("expected 5 redactions, got %d in %s", got, buf.String())
	}
}

func TestRedactor_Nil(t *testing.T) {
	var r *Redactor
	r.Add("abcdefghijkl")
	if got := r.Redact("abcdefghijkl"); got != "abcdefghijkl" {
		t.Fatalf("nil redactor changed input: %q", got)
	}
}
