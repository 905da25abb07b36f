package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestRun_Serves(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urlFile := filepath.Join(t.TempDir(), "url")
	pr, pw := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--url-file", urlFile,
			"--blob-endpoint", "http://127.0.0.1:10000/msidashdemo", "--token-ttl", "90s"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("first line: %v", err)
	}
	go io.Copy(io.Discard, pr)
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "azuresim listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	if got, _ := os.ReadFile(urlFile); strings.TrimSpace(string(got)) != base {
		t.Errorf("url file %q, want %q", got, base)
	}

	req, _ := http.NewRequest(http.MethodGet, base+azuresim.TokenPath+"?api-version=2018-02-01&resource=https://management.azure.com/", nil)
	req.Header.Set("Metadata", "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 200 || body["expires_in"] != "90" {
		t.Errorf("token: %d %v", resp.StatusCode, body["expires_in"])
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
	if strings.Contains(stderr.String(), body["access_token"].(string)[:20]) || strings.Contains(stderr.String(), "api-version") {
		t.Error("request log holds the query or a token")
	}
}

func TestRun_Keys(t *testing.T) {
	tests := []struct {
		name       string
		givenArgs  []string
		givenKey1  string
		expectLine string
	}{
		{name: "demo keys", givenArgs: []string{"keys"},
			expectLine: "msidashdemo:" + azuresim.DemoKey1 + ":" + azuresim.DemoKey2},
		{name: "env key and account", givenArgs: []string{"keys", "--account", "other"}, givenKey1: "a2V5MQ==",
			expectLine: "other:a2V5MQ==:" + azuresim.DemoKey2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AZURESIM_KEY1", tt.givenKey1)
			t.Setenv("AZURESIM_KEY2", "")
			var out, errOut strings.Builder
			if code := run(context.Background(), tt.givenArgs, &out, &errOut); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			if got := strings.TrimSpace(out.String()); got != tt.expectLine {
				t.Errorf("got %q, want %q", got, tt.expectLine)
			}
		})
	}
}

func TestRun_BadUsage(t *testing.T) {
	tests := []struct {
		name       string
		givenArgs  []string
		expectCode int
	}{
		{name: "non-loopback listen", givenArgs: []string{"--listen", "0.0.0.0:0"}, expectCode: 2},
		{name: "unknown flag", givenArgs: []string{"--key1", "x"}, expectCode: 2},
		{name: "bad ttl", givenArgs: []string{"--token-ttl", "-1s"}, expectCode: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			if code := run(context.Background(), tt.givenArgs, &out, &errOut); code != tt.expectCode {
				t.Errorf("exit %d, want %d", code, tt.expectCode)
			}
		})
	}
}
