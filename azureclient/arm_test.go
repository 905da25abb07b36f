package azureclient

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"go.uber.org/goleak"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/secrets"
	"github.com/msidash/msidash/azureclient/secrets/secrettest"
)

// armFastRetry keeps retry waits short in tests; Retry-After is still honoured.
var armFastRetry = policy.RetryOptions{MaxRetries: 3, RetryDelay: 5 * time.Millisecond, MaxRetryDelay: 3 * time.Second}

// armStack is the real stack under test: simulator → TokenSource → ARM,
// with every log line captured.
type armStack struct {
	sim    *azuresim.Sim
	tokens *TokenSource
	arm    *ARM
	logs   *secrettest.Buffer
}

type armStackOption func(*ARMOptions)

// newARMStack starts a simulator (unless sim is given) and builds the
// clients against it.
func newARMStack(t *testing.T, sim *azuresim.Sim, opts ...armStackOption) *armStack {
	t.Helper()
	if sim == nil {
		sim = azuresim.Start(t)
	}
	logs := &secrettest.Buffer{}
	// Deliberately no redacting handler: the test checks that nothing
	// secret is logged at all, not that it was scrubbed.
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	red := secrets.New()
	tokens, err := NewTokenSource(&TokenSourceOptions{
		IMDSEndpoint:  sim.URL(),
		Logger:        log,
		Redactor:      red,
		ClientOptions: azcore.ClientOptions{Retry: armFastRetry},
	})
	if err != nil {
		t.Fatalf("NewTokenSource: %v", err)
	}
	o := &ARMOptions{
		Endpoint:       sim.URL(),
		SubscriptionID: azuresim.DefaultSubscriptionID,
		ResourceGroup:  azuresim.DefaultResourceGroup,
		ClientOptions:  azcore.ClientOptions{Retry: armFastRetry},
		Logger:         log,
		Redactor:       red,
	}
	for _, f := range opts {
		f(o)
	}
	a, err := NewARM(tokens, o)
	if err != nil {
		t.Fatalf("NewARM: %v", err)
	}
	return &armStack{sim: sim, tokens: tokens, arm: a, logs: logs}
}

// armClosedURL returns an http URL on which nothing listens.
func armClosedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// armAsError asserts err is an *Error of kind k and returns it.
func armAsError(t *testing.T, err error, k Kind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Kind != k {
		t.Fatalf("kind = %v, want %v (error: %v)", e.Kind, k, e)
	}
	return e
}

func TestNewARM_Validation(t *testing.T) {
	sim := azuresim.Start(t)
	tokens, err := NewTokenSource(&TokenSourceOptions{IMDSEndpoint: sim.URL()})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		givenTokens *TokenSource
		givenOpts   *ARMOptions
		expectErr   bool
	}{
		{name: "nil opts", givenTokens: tokens, givenOpts: nil, expectErr: true},
		{name: "no subscription", givenTokens: tokens, givenOpts: &ARMOptions{ResourceGroup: "rg"}, expectErr: true},
		{name: "no resource group", givenTokens: tokens, givenOpts: &ARMOptions{SubscriptionID: "sub"}, expectErr: true},
		{name: "no token source", givenTokens: nil, givenOpts: &ARMOptions{SubscriptionID: "sub", ResourceGroup: "rg"}, expectErr: true},
		{name: "defaults", givenTokens: tokens, givenOpts: &ARMOptions{SubscriptionID: "sub", ResourceGroup: "rg"}, expectErr: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewARM(tt.givenTokens, tt.givenOpts)
			if tt.expectErr {
				armAsError(t, err, KindInvalid)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.endpoint != DefaultARMEndpoint || a.resource != ResourceARM || a.ttl != defaultARMCacheTTL {
				t.Errorf("defaults: endpoint %q resource %q ttl %v", a.endpoint, a.resource, a.ttl)
			}
			if a.SubscriptionID() != "sub" || a.ResourceGroupName() != "rg" {
				t.Errorf("got sub %q rg %q", a.SubscriptionID(), a.ResourceGroupName())
			}
		})
	}
}

func TestARM_ThrottledThenSuccess(t *testing.T) {
	s := newARMStack(t, nil)
	s.sim.FailNext(azuresim.ARMPath, 429, 1, time.Second)

	start := time.Now()
	if _, err := s.arm.StorageAccounts(context.Background()); err != nil {
		t.Fatalf("StorageAccounts: %v", err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("retried after %v, want Retry-After (1s) honoured", d)
	}
	if got := s.sim.Calls(azuresim.ARMPath); got != 2 {
		t.Errorf("ARM calls = %d, want 2 (429, then success)", got)
	}
}

func TestARM_ThrottledBeyondBudget(t *testing.T) {
	s := newARMStack(t, nil)
	s.sim.FailNext(azuresim.ARMPath, 429, 10, 10*time.Millisecond)

	_, err := s.arm.StorageAccounts(context.Background())
	e := armAsError(t, err, KindThrottled)
	if e.Hint == "" {
		t.Error("no hint")
	}
	if got := s.sim.Calls(azuresim.ARMPath); got != int(armFastRetry.MaxRetries)+1 {
		t.Errorf("ARM calls = %d, want %d (bounded)", got, armFastRetry.MaxRetries+1)
	}
}

func TestARM_ServerErrorRetried(t *testing.T) {
	s := newARMStack(t, nil)
	s.sim.FailNext(azuresim.ARMPath, 503, 2, 0)

	if _, err := s.arm.StorageAccounts(context.Background()); err != nil {
		t.Fatalf("StorageAccounts: %v", err)
	}
	if got := s.sim.Calls(azuresim.ARMPath); got != 3 {
		t.Errorf("ARM calls = %d, want 3", got)
	}
}

func TestARM_UnauthorizedRefreshesTokenOnce(t *testing.T) {
	tests := []struct {
		name           string
		given401s      int
		expectErr      bool
		expectARMCalls int
	}{
		{name: "one 401 then success", given401s: 1, expectErr: false, expectARMCalls: 2},
		{name: "401 twice gives up", given401s: 2, expectErr: true, expectARMCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newARMStack(t, nil)
			ctx := context.Background()
			// Warm the token cache so the re-fetch is visible.
			if _, err := s.tokens.Status(ctx, ResourceARM); err != nil {
				t.Fatal(err)
			}
			tokenCalls := s.sim.Calls(azuresim.TokenPath)
			s.sim.FailNext(azuresim.ARMPath, 401, tt.given401s, 0)

			_, err := s.arm.StorageAccounts(ctx)
			if tt.expectErr {
				e := armAsError(t, err, KindUnauthorized)
				if e.Status != 401 {
					t.Errorf("status = %d", e.Status)
				}
			} else if err != nil {
				t.Fatalf("StorageAccounts: %v", err)
			}
			if got := s.sim.Calls(azuresim.ARMPath); got != tt.expectARMCalls {
				t.Errorf("ARM calls = %d, want %d (one retry, no loop)", got, tt.expectARMCalls)
			}
			if got := s.sim.Calls(azuresim.TokenPath) - tokenCalls; got != 1 {
				t.Errorf("token fetches after the 401 = %d, want 1 (invalidated and fetched again)", got)
			}
		})
	}
}

func TestARM_Unavailable(t *testing.T) {
	s := newARMStack(t, nil, func(o *ARMOptions) {
		o.Endpoint = armClosedURL(t)
		o.ClientOptions.Retry = policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond}
	})
	ctx := context.Background()
	calls := []struct {
		name string
		call func() error
	}{
		{"ResourceGroup", func() error { _, err := s.arm.ResourceGroup(ctx); return err }},
		{"StorageAccounts", func() error { _, err := s.arm.StorageAccounts(ctx); return err }},
		{"StorageAccount", func() error { _, err := s.arm.StorageAccount(ctx, azuresim.DefaultAccount); return err }},
		{"ListKeys", func() error { _, err := s.arm.ListKeys(ctx, azuresim.DefaultAccount); return err }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			e := armAsError(t, c.call(), KindUnavailable)
			if !strings.Contains(e.Message, "could not be reached") || e.Hint == "" {
				t.Errorf("message %q hint %q", e.Message, e.Hint)
			}
		})
	}
}

func TestARM_ConcurrentMissesShareOneCall(t *testing.T) {
	s := newARMStack(t, nil)
	s.sim.Delay(azuresim.ARMPath, 100*time.Millisecond)
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.arm.StorageAccounts(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := s.sim.Calls(azuresim.ARMPath); got != 1 {
		t.Errorf("ARM calls = %d, want 1", got)
	}
}

func TestARM_ImpatientCallerDoesNotFailOthers(t *testing.T) {
	s := newARMStack(t, nil)
	s.sim.Delay(azuresim.ARMPath, 300*time.Millisecond)

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var shortErr, longErr error
	wg.Add(2)
	go func() { defer wg.Done(); _, shortErr = s.arm.StorageAccounts(short) }()
	time.Sleep(10 * time.Millisecond)
	go func() { defer wg.Done(); _, longErr = s.arm.StorageAccounts(context.Background()) }()
	wg.Wait()

	armAsError(t, shortErr, KindUnavailable)
	if longErr != nil {
		t.Fatalf("patient caller: %v", longErr)
	}
	if got := s.sim.Calls(azuresim.ARMPath); got != 1 {
		t.Errorf("ARM calls = %d, want 1", got)
	}
}

func TestARM_ForgetDropsReadsKeepsKeys(t *testing.T) {
	s := newARMStack(t, nil)
	ctx := context.Background()
	for range 2 {
		if _, err := s.arm.StorageAccounts(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.arm.ListKeys(ctx, azuresim.DefaultAccount); err != nil {
			t.Fatal(err)
		}
	}
	accountCalls := func() int { return s.sim.Calls("/storageaccounts") - s.sim.Calls(azuresim.ListKeysPath) }
	if got := accountCalls(); got != 1 {
		t.Fatalf("account list calls = %d, want 1 (cached)", got)
	}
	s.arm.Forget()
	if _, err := s.arm.StorageAccounts(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.arm.ListKeys(ctx, azuresim.DefaultAccount); err != nil {
		t.Fatal(err)
	}
	if got := accountCalls(); got != 2 {
		t.Errorf("account list calls after Forget = %d, want 2", got)
	}
	if got := s.sim.Calls(azuresim.ListKeysPath); got != 1 {
		t.Errorf("listKeys calls = %d, want 1 (keys survive Forget)", got)
	}
}

func TestARM_CacheExpires(t *testing.T) {
	s := newARMStack(t, nil, func(o *ARMOptions) { o.CacheTTL = 50 * time.Millisecond })
	ctx := context.Background()
	if _, err := s.arm.ResourceGroup(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond)
	if _, err := s.arm.ResourceGroup(ctx); err != nil {
		t.Fatal(err)
	}
	// Each read is a group GET plus a resource list.
	if got := s.sim.Calls(azuresim.ARMPath); got != 4 {
		t.Errorf("ARM calls = %d, want 4 (cache expired once)", got)
	}
}

func TestARM_HungCallCancelledWithCaller(t *testing.T) {
	s := newARMStack(t, nil)
	if _, err := s.tokens.Status(context.Background(), ResourceARM); err != nil {
		t.Fatal(err)
	}
	before := goleak.IgnoreCurrent()
	s.sim.Delay(azuresim.ARMPath, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	start := time.Now()
	_, err := s.arm.ResourceGroup(ctx)
	e := armAsError(t, err, KindUnavailable)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v, want the caller's deadline", d)
	}
	if !strings.Contains(e.Message, "in time") && !strings.Contains(e.Message, "cancel") {
		t.Errorf("message %q", e.Message)
	}
	// The shared fetch ends with its last caller: no goroutine of it is
	// left waiting on the hung request.
	goleak.VerifyNone(t, before,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"))
}
