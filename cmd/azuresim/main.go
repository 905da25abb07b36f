// Command azuresim serves the local Azure simulator (IMDS, the legacy MSI
// extension and ARM) for `make demo`. It prints
// "azuresim listening on http://127.0.0.1:<port>" as its first stdout line.
//
//	azuresim [--listen 127.0.0.1:0] [--url-file PATH] [--account NAME] [--blob-endpoint URL] [--token-ttl 1h]
//	azuresim keys [--account NAME]   # prints the AZURITE_ACCOUNTS value name:key1:key2
//
// Storage keys come from AZURESIM_KEY1 / AZURESIM_KEY2 (never flags), else the
// public demo keys.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is everything the flags and env say.
type config struct {
	listen       string
	urlFile      string
	account      string
	blobEndpoint string
	tokenTTL     time.Duration
	identityOff  bool
	imdsLimits   bool
	key1, key2   string
	keysOnly     bool
}

// parse reads flags and the AZURESIM_KEY1/KEY2 environment.
func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	if len(args) > 0 && args[0] == "keys" {
		c.keysOnly, args = true, args[1:]
	}
	fs := flag.NewFlagSet("azuresim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "loopback address to serve on")
	fs.StringVar(&c.urlFile, "url-file", "", "also write the base URL to this file")
	fs.StringVar(&c.account, "account", azuresim.DefaultAccount, "storage account name")
	fs.StringVar(&c.blobEndpoint, "blob-endpoint", "", "the account's blob endpoint (Azurite: http://127.0.0.1:10000/<account>)")
	fs.DurationVar(&c.tokenTTL, "token-ttl", time.Hour, "lifetime of minted tokens")
	fs.BoolVar(&c.identityOff, "identity-off", false, "start with no managed identity (IMDS answers Identity not found)")
	fs.BoolVar(&c.imdsLimits, "imds-limits", false, "enforce IMDS's 20 requests/s and 5 concurrent on the token endpoint")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.tokenTTL <= 0 {
		return c, errors.New("--token-ttl must be positive")
	}
	host, _, err := net.SplitHostPort(c.listen)
	if err != nil {
		return c, fmt.Errorf("--listen: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		// It hands out storage keys and tokens to anyone who asks.
		return c, fmt.Errorf("--listen %s: only loopback addresses are allowed", c.listen)
	}
	c.key1, c.key2 = os.Getenv("AZURESIM_KEY1"), os.Getenv("AZURESIM_KEY2")
	if c.key1 == "" {
		c.key1 = azuresim.DemoKey1
	}
	if c.key2 == "" {
		c.key2 = azuresim.DemoKey2
	}
	return c, nil
}

// run is main without the process: exit code 0 on a clean shutdown, 1 on a
// failure, 2 on bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "azuresim:", err)
		return 2
	}
	if c.keysOnly {
		// AZURITE_ACCOUNTS format: name:key1:key2 (Azurite reads it at start).
		fmt.Fprintf(stdout, "%s:%s:%s\n", c.account, c.key1, c.key2)
		return 0
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	opts := []azuresim.Option{
		azuresim.WithAccounts(azuresim.Account{Name: c.account, Key1: c.key1, Key2: c.key2, BlobEndpoint: c.blobEndpoint}),
		azuresim.WithTokenTTL(c.tokenTTL),
	}
	if c.identityOff {
		opts = append(opts, azuresim.WithIdentityOff())
	}
	if c.imdsLimits {
		opts = append(opts, azuresim.WithIMDSLimits())
	}
	sim := azuresim.New(opts...)

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		fmt.Fprintln(stderr, "azuresim:", err)
		return 1
	}
	url := "http://" + ln.Addr().String()
	if c.urlFile != "" {
		if err := writeFileAtomic(c.urlFile, []byte(url+"\n")); err != nil {
			ln.Close()
			fmt.Fprintln(stderr, "azuresim:", err)
			return 1
		}
	}
	srv := &http.Server{
		Handler:           logRequests(logger, sim),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	fmt.Fprintf(stdout, "azuresim listening on %s\n", url)
	logger.Info("serving", "url", url, "account", c.account, "blob_endpoint", c.blobEndpoint, "token_ttl", c.tokenTTL.String())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		fmt.Fprintln(stderr, "azuresim:", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(stderr, "azuresim: shutdown:", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// writeFileAtomic writes via a temporary file and rename, so a script polling
// for the file never reads half a URL.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".azuresim-url-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs method, path (never the query), status and latency.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds())
	})
}
