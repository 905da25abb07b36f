// Package secrettest holds what tests use to prove that no secret leaks: a
// goroutine-safe sink for captured logs and the one scan for any piece of a
// secret longer than secrets.Window characters (the contract's rule).
package secrettest

import (
	"bytes"
	"sync"
	"testing"

	"github.com/msidash/msidash/azureclient/secrets"
)

// Buffer collects log output written from many goroutines.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Leaks returns the indexes of the secrets that have a piece longer than
// secrets.Window in text. It makes one pass over text, looking up every
// window of Window+1 characters among those of all the secrets: any longer
// leaked piece contains one of them.
func Leaks(text string, secretList ...string) []int {
	n := secrets.Window + 1
	windows := map[string]int{}
	for i, s := range secretList {
		for j := 0; j+n <= len(s); j++ {
			windows[s[j:j+n]] = i
		}
	}
	if len(windows) == 0 {
		return nil
	}
	seen := map[int]bool{}
	var found []int
	for j := 0; j+n <= len(text); j++ {
		if i, ok := windows[text[j:j+n]]; ok && !seen[i] {
			seen[i] = true
			found = append(found, i)
		}
	}
	return found
}

// AssertNone fails t if any piece longer than secrets.Window of any secret
// appears in text. The failure names the secret by its index and first four
// characters only, so the report itself leaks nothing.
func AssertNone(t testing.TB, where, text string, secretList ...string) {
	t.Helper()
	for _, i := range Leaks(text, secretList...) {
		s := secretList[i]
		t.Errorf("%s holds a piece of secret %d (%q…)", where, i, s[:min(4, len(s))])
	}
}
