// Command demo runs msidash with no Azure at all: the project's IMDS + ARM
// simulator, Azurite for blobs, and the dashboard wired to both. `make demo`
// builds the binaries and runs it; Ctrl-C stops all three.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	bin := fs.String("bin", "bin", "folder holding msidash and azuresim")
	azurite := fs.String("azurite", ".cache/azurite/node_modules/.bin/azurite-blob", "azurite-blob executable")
	listen := fs.String("listen", "127.0.0.1:8080", "where the dashboard listens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	data, err := os.MkdirTemp("", "msidash-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)

	port, err := freePort()
	if err != nil {
		return err
	}
	blobEndpoint := fmt.Sprintf("http://127.0.0.1:%d/%s/", port, azuresim.DefaultAccount)
	az := command(ctx, *azurite, "--blobHost", "127.0.0.1", "--blobPort", fmt.Sprint(port),
		"--location", data, "--silent", "--skipApiVersionCheck", "--loose")
	// Azurite and the simulator share the demo keys, so listKeys answers
	// the key Azurite checks signatures with.
	az.Env = append(os.Environ(), "AZURITE_ACCOUNTS="+azuresim.DefaultAccount+":"+azuresim.DemoKey1+":"+azuresim.DemoKey2)
	if err := az.Start(); err != nil {
		return fmt.Errorf("starting Azurite (run `make azurite`): %w", err)
	}
	defer stopProcess(az)
	if err := waitHTTP(ctx, fmt.Sprintf("http://127.0.0.1:%d/", port)); err != nil {
		return fmt.Errorf("Azurite did not start: %w", err)
	}
	fmt.Printf("Azurite blob service on http://127.0.0.1:%d\n", port)

	sim := command(ctx, *bin+"/azuresim", "--listen", "127.0.0.1:0", "--blob-endpoint", blobEndpoint)
	simOut, err := sim.StdoutPipe()
	if err != nil {
		return err
	}
	if err := sim.Start(); err != nil {
		return fmt.Errorf("starting the simulator (run `make build`): %w", err)
	}
	defer stopProcess(sim)
	simURL, err := firstURL(simOut)
	if err != nil {
		return fmt.Errorf("reading the simulator's address: %w", err)
	}
	go func() { _, _ = io.Copy(io.Discard, simOut) }()
	fmt.Printf("IMDS + ARM simulator on %s\n", simURL)

	dash := command(ctx, *bin+"/msidash", "serve")
	dash.Env = append(os.Environ(),
		"MSIDASH_LISTEN="+*listen,
		"MSIDASH_IMDS_ENDPOINT="+simURL,
		"MSIDASH_ARM_ENDPOINT="+simURL,
	)
	dash.Stdout = os.Stdout
	if err := dash.Start(); err != nil {
		return err
	}
	defer stopProcess(dash)
	fmt.Println("Ctrl-C stops the dashboard, the simulator and Azurite.")
	err = dash.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	// Own process group: Ctrl-C reaches us once and we stop each child in turn.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	go func() {
		<-ctx.Done()
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		}
	}()
	return cmd
}

func stopProcess(cmd *exec.Cmd) {
	if cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitHTTP(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("no answer within 30s")
}

// firstURL reads the simulator's first line, "azuresim listening on <url>".
func firstURL(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return "", err
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		return "", fmt.Errorf("unexpected first line %q", strings.TrimSpace(line))
	}
	return strings.TrimSpace(line[i:]), nil
}
