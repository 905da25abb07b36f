package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// accessSecret returns the dashboard's access secret: MSIDASH_AUTH_TOKEN, or
// a fresh random one (192 bits, as Jupyter) written to a 0600 file in a 0700
// directory so the admin's scripts on the VM can read it.
func accessSecret(getenv func(string) string, file string) (secret, path string, generated bool, err error) {
	if s := getenv("MSIDASH_AUTH_TOKEN"); s != "" {
		return s, "", false, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", false, err
	}
	secret = hex.EncodeToString(b)
	if file == "" {
		file = defaultSecretFile(getenv)
	}
	if err := writeSecret(file, secret); err != nil {
		return "", "", false, fmt.Errorf("writing the access secret to %s: %w", file, err)
	}
	return secret, file, true, nil
}

func defaultSecretFile(getenv func(string) string) string {
	dir := getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		if d, err := os.UserConfigDir(); err == nil {
			dir = d
		} else {
			dir = os.TempDir()
		}
	}
	return filepath.Join(dir, "msidash", "secret")
}

// writeSecret writes with 0600 in a 0700 directory, and re-applies both
// modes: an older file or directory may have been created looser.
func writeSecret(file, secret string) error {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".secret-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(secret + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), file)
}
