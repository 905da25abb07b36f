package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/azuritetest"
)

// simEnv points msidash at a simulator (and Azurite) through MSIDASH_* variables.
func simEnv(t *testing.T, sim *azuresim.Sim, extra map[string]string) func(string) string {
	m := map[string]string{
		"MSIDASH_IMDS_ENDPOINT": sim.URL(),
		"MSIDASH_ARM_ENDPOINT":  sim.URL(),
		"MSIDASH_LISTEN":        "127.0.0.1:0",
		"MSIDASH_SECRET_FILE":   filepath.Join(t.TempDir(), "secret"),
	}
	for k, v := range extra {
		m[k] = v
	}
	return envOf(m)
}

func startSimAndAzurite(t *testing.T) *azuresim.Sim {
	az := azuritetest.Start(t, azuritetest.Account{Name: azuresim.DefaultAccount, Key1: azuresim.DemoKey1, Key2: azuresim.DemoKey2})
	return azuresim.Start(t, azuresim.WithAccounts(azuresim.Account{Name: azuresim.DefaultAccount, BlobEndpoint: az.BlobEndpoint(azuresim.DefaultAccount)}))
}

func TestDoctorCommand(t *testing.T) {
	sim := startSimAndAzurite(t)
	var out strings.Builder
	if code := run(t.Context(), []string{"doctor", "--json"}, simEnv(t, sim, nil), &out, io.Discard); code != 0 {
		t.Fatalf("all set up: exit %d\n%s", code, out.String())
	}
	var got struct {
		Checks []struct{ Name, Status, Message, Hint string }
	}
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil || len(got.Checks) != 8 {
		t.Fatalf("doctor --json: %v %s", err, out.String())
	}
	sim.RevokeRole(azuresim.RoleKeyOperator, sim.AccountScope(azuresim.DefaultAccount))
	out.Reset()
	if code := run(t.Context(), []string{"doctor"}, simEnv(t, sim, nil), &out, io.Discard); code != 1 {
		t.Fatalf("key operator revoked: exit %d, want 1\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "[fail] storage account keys readable") || !strings.Contains(out.String(), "Storage Account Key Operator Service Role") {
		t.Fatalf("terminal checklist does not show the failure and its fix:\n%s", out.String())
	}
}

// serve prints the login URL, answers on it, and stops cleanly on cancel.
func TestServe_LoginURLAndShutdown(t *testing.T) {
	sim := azuresim.Start(t)
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, simEnv(t, sim, nil), pw, io.Discard); pw.Close() }()
	sc := bufio.NewScanner(pr)
	var login string
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "open "); ok {
			login = u
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if !strings.Contains(login, "/?token=") {
		t.Fatalf("no login URL printed (got %q)", login)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Timeout: 10 * time.Second, Jar: jar}
	// Log in on a light page: the overview would also run the doctor.
	resp, err := client.Get(strings.Replace(login, "/?token=", "/api/v1/instance?token=", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RawQuery != "" {
		t.Fatalf("login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after shutdown", code)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("no shutdown")
	}
}

// Without instance metadata the dashboard still starts: token and doctor
// work, and the ARM routes say what is missing instead of failing to start.
func TestServe_WithoutScope(t *testing.T) {
	sim := azuresim.Start(t)
	sim.FailNext(azuresim.InstancePath, http.StatusInternalServerError, 1000, 0)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	go func() {
		run(ctx, nil, simEnv(t, sim, map[string]string{"MSIDASH_AUTH_TOKEN": "scope-test-secret-value"}), pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var base string
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "msidash listening on "); ok {
			base = u
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	get := func(path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer scope-test-secret-value")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/api/v1/resource-group"); code != http.StatusServiceUnavailable || !strings.Contains(body, "ScopeUnknown") || !strings.Contains(body, "--subscription-id") {
		t.Fatalf("resource group without scope: %d %s", code, body)
	}
	if code, body := get("/api/v1/token"); code != http.StatusOK {
		t.Fatalf("token without scope: %d %s", code, body)
	}
	if code, body := get("/api/v1/doctor"); code != http.StatusOK || !strings.Contains(body, `"status":"fail"`) {
		t.Fatalf("doctor without scope: %d %s", code, body)
	}
}
