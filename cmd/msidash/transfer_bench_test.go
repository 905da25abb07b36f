package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/azuritetest"
)

// BenchmarkTransfer moves one large blob up and down through a real msidash
// process and directly with the SDK against the same Azurite, and reports
// both throughputs, their ratio and the msidash process's peak RSS (VmHWM).
// Size: MSIDASH_BENCH_MIB (default 512). Run with `make bench`.
func BenchmarkTransfer(b *testing.B) {
	size := int64(512) << 20
	if v, err := strconv.Atoi(os.Getenv("MSIDASH_BENCH_MIB")); err == nil && v > 0 {
		size = int64(v) << 20
	}
	bin := filepath.Join(b.TempDir(), "msidash")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	az := azuritetest.Start(b, azuritetest.Account{Name: azuresim.DefaultAccount, Key1: azuresim.DemoKey1, Key2: azuresim.DemoKey2})
	sim := azuresim.Start(b, azuresim.WithAccounts(azuresim.Account{Name: azuresim.DefaultAccount, BlobEndpoint: az.BlobEndpoint(azuresim.DefaultAccount)}))
	const secret = "bench-access-secret-value"
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "MSIDASH_IMDS_ENDPOINT="+sim.URL(), "MSIDASH_ARM_ENDPOINT="+sim.URL(),
		"MSIDASH_LISTEN=127.0.0.1:0", "MSIDASH_AUTH_TOKEN="+secret, "MSIDASH_LOG_LEVEL=warn")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "msidash listening on "); ok {
			base = u
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	api := base + "/api/v1/storage-accounts/" + azuresim.DefaultAccount
	do := func(method, url string, body io.Reader, n int64) *http.Response {
		req, _ := http.NewRequest(method, url, body)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.ContentLength = n
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		return resp
	}
	resp := do(http.MethodPost, api+"/containers", strings.NewReader(`{"name":"bench"}`), -1)
	resp.Body.Close()

	cred, _ := azblob.NewSharedKeyCredential(azuresim.DefaultAccount, azuresim.DemoKey1)
	opts := &blockblob.ClientOptions{ClientOptions: azcore.ClientOptions{InsecureAllowCredentialWithHTTP: true, Retry: policy.RetryOptions{MaxRetries: 2}}}
	direct, err := blockblob.NewClientWithSharedKeyCredential(strings.TrimSuffix(az.BlobEndpoint(azuresim.DefaultAccount), "/")+"/bench/direct.bin", cred, opts)
	if err != nil {
		b.Fatal(err)
	}
	want := md5OfStream(size)
	ctx := context.Background()
	var upVia, downVia, upDirect, downDirect time.Duration
	b.SetBytes(size)
	for b.Loop() {
		start := time.Now()
		resp = do(http.MethodPut, api+"/containers/bench/blobs/via.bin", stream(size), size)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("upload via msidash: %d", resp.StatusCode)
		}
		upVia += time.Since(start)

		start = time.Now()
		resp = do(http.MethodGet, api+"/containers/bench/blobs/via.bin", nil, 0)
		got := md5Of(b, resp.Body)
		resp.Body.Close()
		downVia += time.Since(start)
		if !bytes.Equal(got, want) {
			b.Fatal("download via msidash: bytes differ")
		}

		start = time.Now()
		if _, err := direct.UploadStream(ctx, stream(size), &blockblob.UploadStreamOptions{BlockSize: 4 << 20, Concurrency: 2}); err != nil {
			b.Fatal(err)
		}
		upDirect += time.Since(start)

		start = time.Now()
		dl, err := direct.DownloadStream(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		got = md5Of(b, dl.Body)
		dl.Body.Close()
		downDirect += time.Since(start)
		if !bytes.Equal(got, want) {
			b.Fatal("direct download: bytes differ")
		}
	}
	mibps := func(d time.Duration) float64 { return float64(size) * float64(b.N) / (1 << 20) / d.Seconds() }
	b.ReportMetric(mibps(upVia), "up_msidash_MiB/s")
	b.ReportMetric(mibps(upDirect), "up_direct_MiB/s")
	b.ReportMetric(mibps(downVia), "down_msidash_MiB/s")
	b.ReportMetric(mibps(downDirect), "down_direct_MiB/s")
	b.ReportMetric(upDirect.Seconds()/upVia.Seconds(), "up_ratio")
	b.ReportMetric(downDirect.Seconds()/downVia.Seconds(), "down_ratio")
	b.ReportMetric(float64(peakRSS(b, cmd.Process.Pid))/(1<<20), "server_peak_rss_MiB")
}

// stream is a repeatable pseudo-random body of n bytes, never held whole.
func stream(n int64) io.Reader { return io.LimitReader(rand.NewChaCha8([32]byte{7}), n) }

func md5OfStream(n int64) []byte {
	h := md5.New()
	_, _ = io.Copy(h, stream(n))
	return h.Sum(nil)
}

func md5Of(b *testing.B, r io.Reader) []byte {
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		b.Fatal(err)
	}
	return h.Sum(nil)
}

// peakRSS reads the process's high-water resident set size from /proc.
func peakRSS(b *testing.B, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM")
	return 0
}
