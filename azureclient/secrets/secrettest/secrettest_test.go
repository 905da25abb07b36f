package secrettest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestLeaks(t *testing.T) {
	const a, b = "abcdefghijklmnopqrstuvwxyz", "0123456789ABCDEFGHIJ"
	tests := []struct {
		name   string
		given  string
		expect []int
	}{
		{name: "none", given: "nothing secret here at all", expect: nil},
		{name: "whole secret", given: "x" + a + "x", expect: []int{0}},
		{name: "nine characters from the middle", given: "log: " + a[7:16], expect: []int{0}},
		{name: "eight characters are allowed", given: a[:8] + "…" + a[len(a)-8:] + " " + b[3:11], expect: nil},
		{name: "both, each once", given: b[5:15] + a + a, expect: []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Leaks(tt.given, a, b, "short")
			if len(got) != len(tt.expect) {
				t.Fatalf("Leaks = %v, want %v", got, tt.expect)
			}
			for i := range got {
				if got[i] != tt.expect[i] {
					t.Fatalf("Leaks = %v, want %v", got, tt.expect)
				}
			}
		})
	}
}

func TestAssertNone_ReportsWithoutLeaking(t *testing.T) {
	const secret = "S3cretValueThatMustNotShow"
	ft := &fakeT{}
	AssertNone(ft, "body", "got "+secret, secret)
	if len(ft.errs) != 1 || strings.Contains(ft.errs[0], secret[:9]) || !strings.Contains(ft.errs[0], "body") {
		t.Fatalf("report %q", ft.errs)
	}
}

func TestBuffer_ConcurrentWrites(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _, _ = b.Write([]byte("line\n")) })
	}
	wg.Wait()
	if got := strings.Count(b.String(), "line\n"); got != 50 {
		t.Fatalf("%d lines, want 50", got)
	}
}

type fakeT struct {
	testing.TB
	errs []string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
