package azureclient

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/azuritetest"
	"github.com/msidash/msidash/azureclient/secrets/secrettest"
)

// blobFastRetry keeps retry waits short in tests.
var blobFastRetry = policy.RetryOptions{MaxRetries: 3, RetryDelay: 5 * time.Millisecond, MaxRetryDelay: 200 * time.Millisecond}

// blobStack is the whole chain under test: simulator (IMDS + ARM) →
// TokenSource → ARM → Blobs → the real Azurite.
type blobStack struct {
	sim     *azuresim.Sim
	az      *azuritetest.Azurite
	tokens  *TokenSource
	arm     *ARM
	blobs   *Blobs
	account string
	logs    *secrettest.Buffer
}

type blobStackConfig struct {
	oauth bool // Azurite over HTTPS with --oauth basic
	opts  BlobsOptions
}

type blobStackOption func(*blobStackConfig)

func withAAD() blobStackOption {
	return func(c *blobStackConfig) { c.oauth = true; c.opts.Auth = StorageAuthAAD }
}

func withBlobOptions(f func(*BlobsOptions)) blobStackOption {
	return func(c *blobStackConfig) { f(&c.opts) }
}

func newBlobStack(t testing.TB, opts ...blobStackOption) *blobStack {
	t.Helper()
	cfg := blobStackConfig{}
	for _, f := range opts {
		f(&cfg)
	}
	account := azuresim.DefaultAccount
	acc := azuritetest.Account{Name: account, Key1: azuresim.DemoKey1, Key2: azuresim.DemoKey2}
	var az *azuritetest.Azurite
	if cfg.oauth {
		az = azuritetest.StartOAuth(t, acc)
	} else {
		az = azuritetest.Start(t, acc)
	}
	sim := azuresim.Start(t, azuresim.WithAccounts(azuresim.Account{
		Name: account, Key1: azuresim.DemoKey1, Key2: azuresim.DemoKey2, BlobEndpoint: az.BlobEndpoint(account),
	}))
	logs := &secrettest.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tokens, err := NewTokenSource(&TokenSourceOptions{
		IMDSEndpoint:  sim.URL(),
		Logger:        log,
		ClientOptions: azcore.ClientOptions{Retry: blobFastRetry},
	})
	if err != nil {
		t.Fatalf("NewTokenSource: %v", err)
	}
	arm, err := NewARM(tokens, &ARMOptions{
		Endpoint:       sim.URL(),
		SubscriptionID: azuresim.DefaultSubscriptionID,
		ResourceGroup:  azuresim.DefaultResourceGroup,
		ClientOptions:  azcore.ClientOptions{Retry: blobFastRetry},
		Logger:         log,
	})
	if err != nil {
		t.Fatalf("NewARM: %v", err)
	}
	bo := cfg.opts
	bo.Logger = log
	bo.ClientOptions.Retry = blobFastRetry
	bo.ClientOptions.Transport = chainTransport(bo.ClientOptions.Transport, az.HTTPClient())
	blobs, err := NewBlobs(arm, tokens, &bo)
	if err != nil {
		t.Fatalf("NewBlobs: %v", err)
	}
	s := &blobStack{sim: sim, az: az, tokens: tokens, arm: arm, blobs: blobs, account: account, logs: logs}
	t.Cleanup(func() { s.assertNoSecretsLogged(t) })
	return s
}

// chainTransport keeps a test's own transport (a fault injector) in front of
// Azurite's client.
func chainTransport(front policy.Transporter, az policy.Transporter) policy.Transporter {
	if front == nil {
		return az
	}
	if f, ok := front.(*faultTransport); ok && f.next == nil {
		f.next = az
	}
	return front
}

// assertNoSecretsLogged fails when any piece of a key or token longer than
// 8 characters appears in the logs.
func (s *blobStack) assertNoSecretsLogged(t testing.TB) {
	t.Helper()
	k1, k2 := s.sim.Keys(s.account)
	secrets := append([]string{azuresim.DemoKey1, azuresim.DemoKey2, k1, k2}, s.sim.IssuedTokens()...)
	secrettest.AssertNone(t, "logs", s.logs.String(), secrets...)
}

// sdk is a plain azblob client on the stack's account, to check what the
// Blobs client wrote, independently of it.
func (s *blobStack) sdk(t testing.TB) *azblob.Client {
	t.Helper()
	k1, _ := s.sim.Keys(s.account)
	cred, err := azblob.NewSharedKeyCredential(s.account, k1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(s.az.BlobEndpoint(s.account), cred, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
		Transport: s.az.HTTPClient(), InsecureAllowCredentialWithHTTP: true, Retry: blobFastRetry,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *blobStack) mkContainer(t testing.TB, name string) {
	t.Helper()
	if err := s.blobs.CreateContainer(context.Background(), s.account, name); err != nil {
		t.Fatalf("CreateContainer(%s): %v", name, err)
	}
}

// content downloads a blob with the plain SDK.
func (s *blobStack) content(t testing.TB, container, name string) []byte {
	t.Helper()
	resp, err := s.sdk(t).DownloadStream(context.Background(), container, name, nil)
	if err != nil {
		t.Fatalf("download %s/%s: %v", container, name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload uploads data with Blobs, with its size declared.
func (s *blobStack) upload(t testing.TB, container, name string, data []byte, o UploadOptions) (UploadResult, error) {
	t.Helper()
	if o.Size == 0 && len(data) != 0 {
		o.Size = int64(len(data))
	}
	return s.blobs.Upload(context.Background(), s.account, container, name, bytes.NewReader(data), o)
}

// asError asserts err is an *Error of kind k with code (when not "").
func asError(t testing.TB, err error, k Kind, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Kind != k || (code != "" && e.Code != code) {
		t.Fatalf("error %v: kind %s code %q, want %s %q", err, e.Kind, e.Code, k, code)
	}
	return e
}

// randomBytes is n bytes from a seeded generator.
func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	_, _ = rand.NewChaCha8(seedOf(seed)).Read(b)
	return b
}

func seedOf(n uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(n >> (8 * i))
	}
	return s
}

// randomReader streams n bytes from a seeded generator without holding them.
func randomReader(seed uint64, n int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8(seedOf(seed)), n)
}

func md5Of(b []byte) []byte { s := md5.Sum(b); return s[:] }

// faultTransport sits in front of Azurite. It cuts the first GET of a blob
// after cutAfter bytes with io.ErrUnexpectedEOF, as a dropped connection.
type faultTransport struct {
	next     policy.Transporter
	mu       sync.Mutex
	cutAfter int64
	cut      bool
	gets     int
}

func (f *faultTransport) Do(req *http.Request) (*http.Response, error) {
	resp, err := f.next.Do(req)
	if err != nil || req.Method != "GET" || strings.Contains(req.URL.RawQuery, "comp=") {
		return resp, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.cutAfter > 0 && !f.cut && resp.StatusCode == 200 {
		f.cut = true
		resp.Body = &cutBody{rc: resp.Body, left: f.cutAfter}
	}
	return resp, nil
}

func (f *faultTransport) getCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

type cutBody struct {
	rc   io.ReadCloser
	left int64
}

func (c *cutBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cutBody) Close() error { return c.rc.Close() }

func TestNewBlobs_Options(t *testing.T) {
	t.Parallel()
	s := azuresim.Start(t)
	tokens, err := NewTokenSource(&TokenSourceOptions{IMDSEndpoint: s.URL()})
	if err != nil {
		t.Fatal(err)
	}
	arm, err := NewARM(tokens, &ARMOptions{Endpoint: s.URL(), SubscriptionID: azuresim.DefaultSubscriptionID, ResourceGroup: azuresim.DefaultResourceGroup})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		givenARM    *ARM
		givenTokens *TokenSource
		givenOpts   *BlobsOptions
		expectErr   bool
		expectAuth  string
		expectBlock int64
		expectConc  int
		expectMax   int
	}{
		{name: "nil options are defaults", givenARM: arm, givenTokens: tokens, expectAuth: StorageAuthKey, expectBlock: 4 << 20, expectConc: 2, expectMax: 4},
		{name: "aad", givenARM: arm, givenTokens: tokens, givenOpts: &BlobsOptions{Auth: "aad", BlockSize: 1 << 20, Concurrency: 3, MaxUploads: 9}, expectAuth: StorageAuthAAD, expectBlock: 1 << 20, expectConc: 3, expectMax: 9},
		{name: "aad without tokens", givenARM: arm, givenOpts: &BlobsOptions{Auth: "aad"}, expectErr: true},
		{name: "unknown auth", givenARM: arm, givenTokens: tokens, givenOpts: &BlobsOptions{Auth: "sas"}, expectErr: true},
		{name: "no ARM", givenTokens: tokens, expectErr: true},
		{name: "block too large", givenARM: arm, givenTokens: tokens, givenOpts: &BlobsOptions{BlockSize: 4001 << 20}, expectErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewBlobs(tt.givenARM, tt.givenTokens, tt.givenOpts)
			if tt.expectErr {
				if err == nil {
					t.Fatal("expected an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.Auth() != tt.expectAuth || b.blockSize != tt.expectBlock || b.concurrency != tt.expectConc || cap(b.uploads) != tt.expectMax {
				t.Fatalf("got auth %s block %d conc %d max %d", b.Auth(), b.blockSize, b.concurrency, cap(b.uploads))
			}
		})
	}
}
