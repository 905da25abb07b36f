package azureclient

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
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

// tokClock is a settable clock shared by the simulator and the token source.
type tokClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTokClock() *tokClock {
	return &tokClock{t: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func (c *tokClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *tokClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tokEnv is a token source aimed at a fresh simulator.
type tokEnv struct {
	sim   *azuresim.Sim
	ts    *TokenSource
	clock *tokClock
	logs  *secrettest.Buffer
	red   *secrets.Redactor
}

// tokRetry keeps the IMDS retry shape with delays small enough for tests.
var tokRetry = policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond, TryTimeout: 5 * time.Second}

// tokNoLeaks fails the test if goroutines started during it outlive it.
// Registered first, so it runs after every other cleanup (the simulator's).
func tokNoLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// tokStart starts a simulator on a fake clock and a token source for it.
// edit may change the options before the source is built.
func tokStart(t *testing.T, simOpts []azuresim.Option, edit func(*TokenSourceOptions, *azuresim.Sim)) *tokEnv {
	t.Helper()
	tokNoLeaks(t)
	env := &tokEnv{clock: newTokClock(), logs: &secrettest.Buffer{}, red: secrets.New()}
	env.sim = azuresim.Start(t, append([]azuresim.Option{azuresim.WithClock(env.clock.Now)}, simOpts...)...)
	opts := &TokenSourceOptions{
		IMDSEndpoint:  env.sim.URL(),
		Logger:        slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Redactor:      env.red,
		ClientOptions: tokClientOptions(),
		Now:           env.clock.Now,
	}
	if edit != nil {
		edit(opts, env.sim)
	}
	ts, err := NewTokenSource(opts)
	if err != nil {
		t.Fatalf("NewTokenSource: %v", err)
	}
	env.ts = ts
	t.Cleanup(func() { tokWaitIdle(t, ts) })
	return env
}

func tokClientOptions() (o azcore.ClientOptions) {
	o.Retry = tokRetry
	return o
}

// tokWaitIdle waits until no fetch or background refresh is under way.
func tokWaitIdle(t *testing.T, ts *TokenSource) {
	t.Helper()
	ts.bg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for ts.inflight.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("token fetches still running after 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tokGet asks for a token for resource through the azcore interface.
func tokGet(t *testing.T, ts *TokenSource, resource string) (string, error) {
	t.Helper()
	tok, err := ts.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{resource + defaultScopeSuffix}})
	return tok.Token, err
}

// tokMustGet is tokGet that fails the test on error.
func tokMustGet(t *testing.T, ts *TokenSource, resource string) string {
	t.Helper()
	tok, err := tokGet(t, ts, resource)
	if err != nil {
		t.Fatalf("GetToken(%s): %v", resource, err)
	}
	return tok
}

// tokAssertKind checks err is an *Error of the expected kind.
func tokAssertKind(t *testing.T, err error, expect Kind) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error of kind %v", err, err, expect)
	}
	if e.Kind != expect {
		t.Fatalf("kind = %v, want %v (error %v)", e.Kind, expect, err)
	}
	return e
}

func TestTokenSource_Sources(t *testing.T) {
	tests := []struct {
		name         string
		givenMSI     func(sim *azuresim.Sim) string // MSIEndpoint; nil for IMDS
		givenID      Identity
		expectSource string
		expectPath   string
		expectObject string
	}{
		{name: "IMDS system-assigned", expectSource: SourceIMDS, expectPath: azuresim.TokenPath, expectObject: azuresim.ObjectID},
		{name: "IMDS client_id", givenID: ClientID(azuresim.UserClientID), expectSource: SourceIMDS, expectPath: azuresim.TokenPath, expectObject: azuresim.UserObjectID},
		{name: "IMDS object_id", givenID: ObjectID(azuresim.UserObjectID), expectSource: SourceIMDS, expectPath: azuresim.TokenPath, expectObject: azuresim.UserObjectID},
		{name: "IMDS msi_res_id", givenID: ResourceID(azuresim.UserResourceID), expectSource: SourceIMDS, expectPath: azuresim.TokenPath, expectObject: azuresim.UserObjectID},
		{name: "MSI extension token URL", givenMSI: func(s *azuresim.Sim) string { return s.URL() + azuresim.MSIPath },
			expectSource: SourceMSIExtension, expectPath: azuresim.MSIPath, expectObject: azuresim.ObjectID},
		{name: "MSI extension base URL", givenMSI: func(s *azuresim.Sim) string { return s.URL() },
			expectSource: SourceMSIExtension, expectPath: azuresim.MSIPath, expectObject: azuresim.ObjectID},
		{name: "MSI extension client_id", givenMSI: func(s *azuresim.Sim) string { return s.URL() + azuresim.MSIPath },
			givenID: ClientID(azuresim.UserClientID), expectSource: SourceMSIExtension, expectPath: azuresim.MSIPath, expectObject: azuresim.UserObjectID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tokStart(t, nil, func(o *TokenSourceOptions, sim *azuresim.Sim) {
				o.Identity = tt.givenID
				if tt.givenMSI != nil {
					o.MSIEndpoint = tt.givenMSI(sim)
				}
			})
			tokMustGet(t, env.ts, ResourceARM)
			st, err := env.ts.Status(context.Background(), ResourceARM)
			if err != nil {
				t.Fatalf("Status: %v", err)
			}
			if env.ts.Source() != tt.expectSource || st.Source != tt.expectSource {
				t.Errorf("source = %q / %q, want %q", env.ts.Source(), st.Source, tt.expectSource)
			}
			if st.Identity.ObjectID != tt.expectObject || st.Identity.TenantID != azuresim.DefaultTenantID {
				t.Errorf("identity = %+v, want object id %s in tenant %s", st.Identity, tt.expectObject, azuresim.DefaultTenantID)
			}
			if !st.Cached || st.Resource != ResourceARM || st.TokenType != "Bearer" {
				t.Errorf("status = %+v, want cached Bearer token for %s", st, ResourceARM)
			}
			imds := env.sim.Calls(azuresim.TokenPath)
			all := env.sim.Calls(azuresim.MSIPath) // the IMDS path contains the MSI one
			if tt.expectPath == azuresim.TokenPath && (imds != 1 || all != 1) {
				t.Errorf("IMDS calls = %d, all token calls = %d, want 1 and 1", imds, all)
			}
			if tt.expectPath == azuresim.MSIPath && (imds != 0 || all != 1) {
				t.Errorf("IMDS calls = %d, MSI extension calls = %d, want 0 and 1", imds, all)
			}
		})
	}
}

func TestTokenSource_CacheHit(t *testing.T) {
	env := tokStart(t, nil, nil)
	first := tokMustGet(t, env.ts, ResourceARM)
	second := tokMustGet(t, env.ts, ResourceARM)
	if first != second {
		t.Errorf("second call got a different token")
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Errorf("identity calls = %d, want 1", n)
	}
	st, err := env.ts.Status(context.Background(), ResourceARM)
	if err != nil || !st.Cached {
		t.Errorf("Status = %+v, %v; want cached", st, err)
	}
	// Another resource is another token.
	tokMustGet(t, env.ts, ResourceStorage)
	if n := env.sim.Calls(azuresim.TokenPath); n != 2 {
		t.Errorf("identity calls after a second resource = %d, want 2", n)
	}
}

func TestTokenSource_ConcurrentColdSingleFlight(t *testing.T) {
	env := tokStart(t, []azuresim.Option{azuresim.WithIMDSLimits()}, nil)
	// Widen the window in which callers pile up behind the one fetch.
	env.sim.Delay(azuresim.TokenPath, 50*time.Millisecond)
	const callers = 1000
	tokens := make([]string, callers)
	errs := make([]error, callers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tokens[i], errs[i] = tokGet(t, env.ts, ResourceARM)
		}()
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if tokens[i] != tokens[0] {
			t.Fatalf("caller %d got a different token", i)
		}
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Errorf("identity calls = %d, want exactly 1", n)
	}
}

func TestTokenSource_WaiterHonoursOwnContext(t *testing.T) {
	env := tokStart(t, nil, nil)
	env.sim.Delay(azuresim.TokenPath, 300*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := env.ts.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{ResourceARM + defaultScopeSuffix}})
	if time.Since(began) > 200*time.Millisecond {
		t.Errorf("GetToken waited %v past its own deadline", time.Since(began))
	}
	tokAssertKind(t, err, KindUnavailable)
	// The shared fetch outlived the impatient caller and fills the cache.
	if _, err := tokGet(t, env.ts, ResourceARM); err != nil {
		t.Fatalf("second GetToken: %v", err)
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Errorf("identity calls = %d, want 1 (the cancelled caller must not kill the fetch)", n)
	}
}

func TestTokenSource_StatusDoesNotHangOnSlowIMDS(t *testing.T) {
	env := tokStart(t, nil, func(o *TokenSourceOptions, _ *azuresim.Sim) { o.StatusWait = 100 * time.Millisecond })
	env.sim.Delay(azuresim.TokenPath, 2*time.Second)
	began := time.Now()
	st, err := env.ts.Status(context.Background(), "")
	if took := time.Since(began); took > time.Second {
		t.Errorf("Status took %v, want about StatusWait", took)
	}
	if err != nil || !st.Refreshing || st.Resource != ResourceARM || !st.ExpiresOn.IsZero() {
		t.Errorf("Status = %+v, %v; want Refreshing, no token yet, no error", st, err)
	}
	tokWaitIdle(t, env.ts)
	st, err = env.ts.Status(context.Background(), ResourceARM)
	if err != nil || !st.Cached || st.Refreshing || st.ExpiresOn.IsZero() {
		t.Errorf("Status after the fetch = %+v, %v; want the cached token", st, err)
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Errorf("identity calls = %d, want 1", n)
	}
}

func TestTokenSource_RefreshAndInvalidate(t *testing.T) {
	env := tokStart(t, nil, nil)
	first := tokMustGet(t, env.ts, ResourceARM)

	st, err := env.ts.Refresh(context.Background(), ResourceARM)
	if err != nil || st.Cached || st.ExpiresOn.IsZero() {
		t.Fatalf("Refresh = %+v, %v; want a fresh token", st, err)
	}
	second := tokMustGet(t, env.ts, ResourceARM)
	if second == first {
		t.Errorf("Refresh did not replace the token")
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 2 {
		t.Errorf("identity calls after Refresh = %d, want 2", n)
	}

	env.ts.Invalidate(ResourceARM)
	if third := tokMustGet(t, env.ts, ResourceARM); third == second {
		t.Errorf("Invalidate did not drop the token")
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 3 {
		t.Errorf("identity calls after Invalidate = %d, want 3", n)
	}
}

func TestTokenSource_Scopes(t *testing.T) {
	tests := []struct {
		name        string
		givenScopes []string
		expectErr   bool
	}{
		{name: "no scope", givenScopes: nil, expectErr: true},
		{name: "two scopes", givenScopes: []string{ResourceARM + defaultScopeSuffix, ResourceStorage + defaultScopeSuffix}, expectErr: true},
		{name: "ARM scope with its double slash", givenScopes: []string{"https://management.azure.com//.default"}},
	}
	env := tokStart(t, nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := env.ts.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: tt.givenScopes})
			if tt.expectErr {
				tokAssertKind(t, err, KindInvalid)
				return
			}
			if err != nil || tok.Token == "" || !tok.RefreshOn.Before(tok.ExpiresOn) {
				t.Fatalf("GetToken = %+v, %v", tok.ExpiresOn, err)
			}
			// The resource is ResourceARM itself: Status finds it cached.
			if st, err := env.ts.Status(context.Background(), ResourceARM); err != nil || !st.Cached {
				t.Errorf("Status(%s) = %+v, %v; want cached", ResourceARM, st, err)
			}
		})
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 1 {
		t.Errorf("identity calls = %d, want 1 (bad scopes never reach IMDS)", n)
	}
}

func TestTokenSource_LogsAndRedactor(t *testing.T) {
	env := tokStart(t, nil, nil)
	tokMustGet(t, env.ts, ResourceARM)
	tokMustGet(t, env.ts, ResourceStorage)
	if _, err := env.ts.Refresh(context.Background(), ResourceARM); err != nil {
		t.Fatal(err)
	}
	env.sim.SetIdentity(false)
	env.ts.Invalidate(ResourceARM)
	if _, err := tokGet(t, env.ts, ResourceARM); err == nil {
		t.Fatal("want an error with the identity off")
	}
	issued := env.sim.IssuedTokens()
	if len(issued) != 3 {
		t.Fatalf("issued %d tokens, want 3", len(issued))
	}
	logs := env.logs.String()
	secrettest.AssertNone(t, "the log", logs, issued...)
	for _, want := range []string{`"op":"token.fetch"`, `"status":200`, `"duration_ms"`, `"source":"imds"`, `"status":400`, `"kind":"NoIdentity"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	for _, tok := range issued {
		if got := env.red.Redact("Bearer " + tok); strings.Contains(got, tok[:20]) {
			t.Errorf("the redactor was not told about a fetched token")
		}
	}
}

func TestNewTokenSource_Options(t *testing.T) {
	tests := []struct {
		name         string
		givenOpts    *TokenSourceOptions
		expectErr    bool
		expectSource string
		expectIMDS   string
	}{
		{name: "nil means IMDS defaults", givenOpts: nil, expectSource: SourceIMDS, expectIMDS: "http://169.254.169.254"},
		{name: "trailing slash trimmed", givenOpts: &TokenSourceOptions{IMDSEndpoint: "http://127.0.0.1:9/"}, expectSource: SourceIMDS, expectIMDS: "http://127.0.0.1:9"},
		{name: "MSI extension", givenOpts: &TokenSourceOptions{MSIEndpoint: "http://localhost:50342/oauth2/token"}, expectSource: SourceMSIExtension, expectIMDS: "http://169.254.169.254"},
		{name: "IMDS endpoint not a URL", givenOpts: &TokenSourceOptions{IMDSEndpoint: "169.254.169.254"}, expectErr: true},
		{name: "MSI endpoint not http", givenOpts: &TokenSourceOptions{MSIEndpoint: "ftp://localhost/"}, expectErr: true},
		{name: "empty client id", givenOpts: &TokenSourceOptions{Identity: ClientID("")}, expectErr: true},
		{name: "object id with the MSI extension", givenOpts: &TokenSourceOptions{MSIEndpoint: "http://localhost:50342", Identity: ObjectID("x")}, expectErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := NewTokenSource(tt.givenOpts)
			if tt.expectErr {
				tokAssertKind(t, err, KindInvalid)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ts.Source() != tt.expectSource || ts.IMDSEndpoint() != tt.expectIMDS {
				t.Errorf("Source, IMDSEndpoint = %q, %q; want %q, %q", ts.Source(), ts.IMDSEndpoint(), tt.expectSource, tt.expectIMDS)
			}
		})
	}
}

func TestTokenSource_CallerContextValuesStayOut(t *testing.T) {
	env := tokStart(t, nil, nil)
	// An ARM call's per-call options reach GetToken through the bearer
	// policy; they must not shape or capture the IMDS call.
	var captured *http.Response
	ctx := policy.WithCaptureResponse(context.Background(), &captured)
	ctx = policy.WithRetryOptions(ctx, policy.RetryOptions{MaxRetries: -1})
	env.sim.FailNext(azuresim.TokenPath, 500, 1, 0)
	if _, err := env.ts.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{ResourceARM + defaultScopeSuffix}}); err != nil {
		t.Fatalf("GetToken: %v (the caller's MaxRetries -1 leaked into the IMDS call)", err)
	}
	if captured != nil {
		t.Errorf("the caller's WithCaptureResponse captured the IMDS response")
	}
}
