package main

import (
	"io"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name      string
		givenArgs []string
		givenEnv  map[string]string
		expectErr string
		expect    func(c config) bool
	}{
		{name: "defaults", expect: func(c config) bool {
			return c.command == "serve" && c.listen == "127.0.0.1:8080" && c.imdsEndpoint == "http://169.254.169.254" &&
				c.armEndpoint == "https://management.azure.com" && c.armResource == "https://management.azure.com/" && c.storageAuth == "key"
		}},
		{name: "env fills flags", givenEnv: map[string]string{"MSIDASH_IMDS_ENDPOINT": "http://127.0.0.1:9", "MSIDASH_STORAGE_AUTH": "aad"},
			expect: func(c config) bool { return c.imdsEndpoint == "http://127.0.0.1:9" && c.storageAuth == "aad" }},
		{name: "flag wins over env", givenArgs: []string{"--storage-auth", "key"}, givenEnv: map[string]string{"MSIDASH_STORAGE_AUTH": "aad"},
			expect: func(c config) bool { return c.storageAuth == "key" }},
		{name: "doctor json", givenArgs: []string{"doctor", "--json"}, expect: func(c config) bool { return c.command == "doctor" && c.doctorJSON }},
		{name: "allowed hosts", givenArgs: []string{"--allowed-hosts", "a.example, b.example"},
			expect: func(c config) bool { return len(c.allowedHosts) == 2 && c.allowedHosts[1] == "b.example" }},
		{name: "remote with allow", givenArgs: []string{"--listen", "0.0.0.0:8080", "--allow-remote"}, expect: func(c config) bool { return c.allowRemote }},
		{name: "ipv6 loopback", givenArgs: []string{"--listen", "[::1]:8080"}, expect: func(c config) bool { return true }},
		{name: "remote refused", givenArgs: []string{"--listen", "0.0.0.0:8080"}, expectErr: "--allow-remote"},
		{name: "all interfaces refused", givenArgs: []string{"--listen", ":8080"}, expectErr: "--allow-remote"},
		{name: "ipv6 any refused", givenArgs: []string{"--listen", "[::]:8080"}, expectErr: "--allow-remote"},
		{name: "bad listen", givenArgs: []string{"--listen", "nope"}, expectErr: "host:port"},
		{name: "two identities", givenArgs: []string{"--client-id", "a", "--object-id", "b"}, expectErr: "at most one"},
		{name: "bad storage auth", givenEnv: map[string]string{"MSIDASH_STORAGE_AUTH": "sas"}, expectErr: "--storage-auth"},
		{name: "bad endpoint", givenArgs: []string{"--arm-endpoint", "ftp://x"}, expectErr: "--arm-endpoint"},
		{name: "half a scope", givenArgs: []string{"--subscription-id", "s"}, expectErr: "go together"},
		{name: "unknown command", givenArgs: []string{"frobnicate"}, expectErr: "unknown command"},
		{name: "unknown flag", givenArgs: []string{"--token", "x"}, expectErr: "flag provided but not defined"},
		{name: "stray argument", givenArgs: []string{"serve", "extra"}, expectErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.givenArgs, envOf(tt.givenEnv), io.Discard)
			if tt.expectErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.expectErr) {
					t.Fatalf("err %v, want it to mention %q", err, tt.expectErr)
				}
				return
			}
			if err != nil || !tt.expect(c) {
				t.Fatalf("config %+v, err %v", c, err)
			}
		})
	}
}

func TestRun_BadFlagExits2WithOneLine(t *testing.T) {
	var stderr strings.Builder
	code := run(t.Context(), []string{"--storage-auth", "nope"}, envOf(nil), io.Discard, &stderr)
	if code != 2 || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q: want 2 and one line", code, stderr.String())
	}
}

func TestRun_HelpListsEveryFlag(t *testing.T) {
	var stderr strings.Builder
	if code := run(t.Context(), []string{"--help"}, envOf(nil), io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"listen", "allow-remote", "imds-endpoint", "msi-endpoint", "client-id", "object-id", "msi-res-id",
		"subscription-id", "resource-group", "arm-endpoint", "arm-resource", "storage-auth"} {
		if !strings.Contains(stderr.String(), "-"+f) {
			t.Errorf("--help does not list --%s", f)
		}
	}
}
