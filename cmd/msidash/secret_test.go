package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SEC-3: the generated secret lands in a 0600 file in a 0700 directory, even
// when an older file or directory was looser.
func TestAccessSecret_FileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "msidash")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	secret, path, generated, err := accessSecret(envOf(nil), file)
	if err != nil || !generated || path != file || len(secret) != 48 {
		t.Fatalf("secret %d chars, path %q, generated %v, err %v", len(secret), path, generated, err)
	}
	fi, _ := os.Stat(file)
	di, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("modes file %v dir %v, want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
	b, _ := os.ReadFile(file)
	if strings.TrimSpace(string(b)) != secret {
		t.Fatal("the file does not hold the secret")
	}
	again, _, _, _ := accessSecret(envOf(nil), file)
	if again == secret {
		t.Fatal("a new start reused the secret")
	}
}

func TestAccessSecret_FromEnvWritesNothing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secret")
	secret, path, generated, err := accessSecret(envOf(map[string]string{"MSIDASH_AUTH_TOKEN": "from-env-secret-value"}), file)
	if err != nil || generated || path != "" || secret != "from-env-secret-value" {
		t.Fatalf("secret %q path %q generated %v err %v", secret, path, generated, err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatal("a secret from the environment was written to a file")
	}
}
