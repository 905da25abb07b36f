// Package azuritetest starts the real Azurite blob service for tests: the
// binary from the project cache (`make azurite`), one process per test, on a
// free loopback port, with its data in the test's temporary directory.
package azuritetest

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Azurite's well-known development account; the default when Start is given
// no account. See https://learn.microsoft.com/azure/storage/common/storage-use-azurite#well-known-storage-account-and-key
const (
	DefaultAccountName = "devstoreaccount1"
	DefaultAccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// binRel is where `make azurite` installs the blob-only Azurite entry point,
// relative to the module root.
const binRel = ".cache/azurite/node_modules/.bin/azurite-blob"

// startTimeout bounds how long Azurite may take to listen and answer.
const startTimeout = 30 * time.Second

// Account is a storage account Azurite serves, with its two keys (base64).
type Account struct {
	Name string
	Key1 string
	Key2 string
}

// Azurite is a running Azurite blob service.
type Azurite struct {
	bin      string
	dir      string // --location, kept across Restart
	tlsFiles []string
	client   *http.Client // trusts the test certificate when HTTPS

	mu       sync.Mutex
	port     int
	scheme   string
	accounts []Account
	proc     *process
}

// process is one Azurite child and the output it has printed.
type process struct {
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited and its output is read
	output *lockedBuffer
}

// Bin returns the path of azurite-blob in the project cache, or an error
// naming that path when it is not installed.
func Bin() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, binRel)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("azurite not installed at %s: %w", p, err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("azurite needs node on PATH: %w", err)
	}
	return p, nil
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod; go test runs each package in its own directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Start runs Azurite over HTTP with the given accounts (default: the
// well-known devstoreaccount1) until the test ends.
func Start(t testing.TB, accounts ...Account) *Azurite {
	t.Helper()
	a := newAzurite(t, accounts)
	a.scheme = "http"
	a.start(t, 0)
	return a
}

// StartOAuth runs Azurite over HTTPS, with a certificate the test generates,
// and `--oauth basic`, so it accepts bearer tokens as well as Shared Key.
// Use HTTPClient to reach it.
func StartOAuth(t testing.TB, accounts ...Account) *Azurite {
	t.Helper()
	a := newAzurite(t, accounts)
	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		t.Fatalf("azuritetest: certificate: %v", err)
	}
	tlsDir := t.TempDir()
	certFile, keyFile := filepath.Join(tlsDir, "cert.pem"), filepath.Join(tlsDir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	a.client = &http.Client{Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 16,
	}}
	t.Cleanup(a.client.CloseIdleConnections)
	a.tlsFiles = []string{"--cert", certFile, "--key", keyFile, "--oauth", "basic"}
	a.scheme = "https"
	a.start(t, 0)
	return a
}

func newAzurite(t testing.TB, accounts []Account) *Azurite {
	t.Helper()
	bin, err := Bin()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("azuritetest: %v (run `make azurite`)", err)
		}
		t.Skipf("azuritetest: %v; run `make azurite` to install it", err)
	}
	if len(accounts) == 0 {
		accounts = []Account{{Name: DefaultAccountName, Key1: DefaultAccountKey}}
	}
	a := &Azurite{
		bin:      bin,
		dir:      t.TempDir(),
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		accounts: accounts,
	}
	t.Cleanup(func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.proc != nil {
			a.proc.stop()
			a.proc = nil
		}
		a.client.CloseIdleConnections()
	})
	return a
}

// BlobEndpoint is the account's blob endpoint, path style:
// http(s)://127.0.0.1:<port>/<account>.
func (a *Azurite) BlobEndpoint(account string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return fmt.Sprintf("%s://127.0.0.1:%d/%s", a.scheme, a.port, account)
}

// Accounts returns the accounts Azurite currently serves, with their keys.
func (a *Azurite) Accounts() []Account {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Account(nil), a.accounts...)
}

// HTTPClient returns a client that reaches this Azurite; for StartOAuth it
// trusts the test certificate. Pass it as azcore.ClientOptions.Transport.
func (a *Azurite) HTTPClient() *http.Client { return a.client }

// Restart stops Azurite and starts it again on the same port and data
// directory, serving the given accounts (e.g. with a new key1, as after a key
// rotation). Blobs written before survive. No accounts keeps the current ones.
func (a *Azurite) Restart(t testing.TB, accounts ...Account) {
	t.Helper()
	a.mu.Lock()
	if len(accounts) > 0 {
		a.accounts = accounts
	}
	port := a.port
	if a.proc != nil {
		a.proc.stop() // SIGTERM first: Azurite saves its metadata on the way out
		a.proc = nil
	}
	a.mu.Unlock()
	a.start(t, port)
}

// start launches Azurite on port (0 = any free one; Azurite reports the one
// it got) and waits until it answers HTTP. A fixed port that is briefly
// still taken is retried.
func (a *Azurite) start(t testing.TB, port int) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for attempt := 1; ; attempt++ {
		p, got, err := a.launch(port, deadline)
		if err == nil {
			a.mu.Lock()
			a.proc, a.port = p, got
			a.mu.Unlock()
			return
		}
		if time.Now().After(deadline) || attempt >= 10 || !strings.Contains(err.Error(), "EADDRINUSE") {
			t.Fatalf("azuritetest: start %s (attempt %d): %v", a.bin, attempt, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var listenRE = regexp.MustCompile(`successfully listens on https?://[^:\s]+:(\d+)`)

func (a *Azurite) launch(port int, deadline time.Time) (*process, int, error) {
	args := []string{
		"--blobHost", "127.0.0.1",
		"--blobPort", strconv.Itoa(port),
		"--location", a.dir,
		"--silent",
		"--skipApiVersionCheck", // the SDK may be newer than the simulator
		"--loose",
		"--disableProductStyleUrl", // account always from the first path segment
		"--disableTelemetry",
	}
	args = append(args, a.tlsFiles...)
	cmd := exec.Command(a.bin, args...)
	cmd.Dir = a.dir
	cmd.Env = append(os.Environ(), "AZURITE_ACCOUNTS="+accountsEnv(a.accounts))
	// Its own process group, so cleanup reaches node and anything it spawns.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	p := &process{cmd: cmd, done: make(chan struct{}), output: &lockedBuffer{}}
	go func() {
		_ = cmd.Wait()
		_ = pw.Close()
	}()
	portc := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			p.output.add(line)
			if m := listenRE.FindStringSubmatch(line); m != nil && !found {
				found = true
				n, _ := strconv.Atoi(m[1])
				portc <- n
			}
		}
		_, _ = io.Copy(io.Discard, pr)
		close(p.done) // the process has exited and all its output is read
	}()

	var got int
	select {
	case got = <-portc:
	case <-p.done:
		return nil, 0, fmt.Errorf("azurite exited: %s", p.output.String())
	case <-time.After(time.Until(deadline)):
		p.stop()
		return nil, 0, fmt.Errorf("azurite did not listen within %s: %s", startTimeout, p.output.String())
	}
	if err := a.waitAnswer(got, deadline, p); err != nil {
		p.stop()
		return nil, 0, err
	}
	return p, got, nil
}

// waitAnswer polls until Azurite answers any HTTP response on port.
func (a *Azurite) waitAnswer(port int, deadline time.Time, p *process) error {
	u := fmt.Sprintf("%s://127.0.0.1:%d/%s?comp=list", a.scheme, port, a.accounts[0].Name)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := a.client.Do(req)
		cancel()
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("azurite exited: %s", p.output.String())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("azurite does not answer on port %d: %v", port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop asks the process group to terminate, then kills it if it lingers.
func (p *process) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Children that outlived node itself.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// accountsEnv formats AZURITE_ACCOUNTS: "name:key1[:key2];name2:key1".
func accountsEnv(accounts []Account) string {
	parts := make([]string, 0, len(accounts))
	for _, acc := range accounts {
		s := acc.Name + ":" + acc.Key1
		if acc.Key2 != "" {
			s += ":" + acc.Key2
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ";")
}

// lockedBuffer keeps the last lines Azurite printed, for failure messages.
type lockedBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lockedBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
	if len(b.lines) > 50 {
		b.lines = b.lines[len(b.lines)-50:]
	}
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}
