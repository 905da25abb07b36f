package azureclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestIMDSRetryOptions(t *testing.T) {
	tests := []struct {
		name   string
		given  policy.RetryOptions
		expect policy.RetryOptions
	}{
		{name: "defaults", given: policy.RetryOptions{},
			expect: policy.RetryOptions{MaxRetries: 5, RetryDelay: 2 * time.Second, MaxRetryDelay: 25 * time.Second, TryTimeout: 10 * time.Second}},
		{name: "overrides kept", given: policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond, MaxRetryDelay: time.Second, TryTimeout: time.Second},
			expect: policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond, MaxRetryDelay: time.Second, TryTimeout: time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := imdsRetryOptions(tt.given)
			if got.MaxRetries != tt.expect.MaxRetries || got.RetryDelay != tt.expect.RetryDelay ||
				got.MaxRetryDelay != tt.expect.MaxRetryDelay || got.TryTimeout != tt.expect.TryTimeout {
				t.Errorf("imdsRetryOptions = %+v, want %+v", got, tt.expect)
			}
			want := []int{404, 410, 429, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511}
			if !slices.Equal(got.StatusCodes, want) {
				t.Errorf("StatusCodes = %v, want %v", got.StatusCodes, want)
			}
		})
	}
}

func TestTokenSource_RetriesEachRetriableStatusOnce(t *testing.T) {
	for _, status := range imdsRetryStatusCodes {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			env := tokStart(t, nil, nil)
			env.sim.FailNext(azuresim.TokenPath, status, 1, 0)
			tokMustGet(t, env.ts, ResourceARM)
			if n := env.sim.Calls(azuresim.TokenPath); n != 2 {
				t.Errorf("identity calls = %d, want 2 (one retry)", n)
			}
		})
	}
}

func TestTokenSource_Retries(t *testing.T) {
	tests := []struct {
		name        string
		givenStatus int
		givenN      int
		givenAfter  time.Duration // Retry-After
		expectCalls int
		expectKind  Kind // KindUnknown: success
		expectWait  time.Duration
	}{
		{name: "429 burst recovered", givenStatus: 429, givenN: 3, expectCalls: 4},
		{name: "500 burst recovered", givenStatus: 500, givenN: 3, expectCalls: 4},
		{name: "Retry-After honoured", givenStatus: 429, givenN: 1, givenAfter: time.Second, expectCalls: 2, expectWait: time.Second},
		{name: "400 not retried", givenStatus: 400, givenN: 1, expectCalls: 1, expectKind: KindUpstream},
		{name: "401 not retried", givenStatus: 401, givenN: 1, expectCalls: 1, expectKind: KindUpstream},
		{name: "403 not retried", givenStatus: 403, givenN: 1, expectCalls: 1, expectKind: KindUpstream},
		{name: "500 beyond the budget", givenStatus: 500, givenN: 10, expectCalls: 4, expectKind: KindUpstream},
		{name: "410 beyond the budget", givenStatus: 410, givenN: 10, expectCalls: 4, expectKind: KindUnavailable},
		{name: "429 beyond the budget", givenStatus: 429, givenN: 10, expectCalls: 4, expectKind: KindThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tokStart(t, nil, func(o *TokenSourceOptions, _ *azuresim.Sim) {
				o.ClientOptions.Retry.MaxRetryDelay = 2 * time.Second // room for a 1 s Retry-After
			})
			env.sim.FailNext(azuresim.TokenPath, tt.givenStatus, tt.givenN, tt.givenAfter)
			began := time.Now()
			_, err := tokGet(t, env.ts, ResourceARM)
			if tt.expectKind == KindUnknown && err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			if tt.expectKind != KindUnknown {
				e := tokAssertKind(t, err, tt.expectKind)
				if e.Status != tt.givenStatus {
					t.Errorf("Status = %d, want %d", e.Status, tt.givenStatus)
				}
			}
			if n := env.sim.Calls(azuresim.TokenPath); n != tt.expectCalls {
				t.Errorf("identity calls = %d, want %d", n, tt.expectCalls)
			}
			if took := time.Since(began); took < tt.expectWait {
				t.Errorf("took %v, want at least %v", took, tt.expectWait)
			}
		})
	}
}

func TestTokenSource_StaysWithinIMDSLimits(t *testing.T) {
	// The simulator counts requests per second on its clock: a real one here.
	env := tokStart(t, []azuresim.Option{azuresim.WithIMDSLimits(), azuresim.WithClock(time.Now)}, func(o *TokenSourceOptions, _ *azuresim.Sim) {
		o.ClientOptions.Retry.MaxRetries = -1 // any 429 would fail the call
		o.Now = time.Now
	})
	env.sim.Delay(azuresim.TokenPath, 20*time.Millisecond)
	const resources = 30 // distinct blob audiences: 30 fetches, no single flight to hide behind
	var wg sync.WaitGroup
	errs := make(chan error, resources)
	for i := range resources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := tokGet(t, env.ts, fmt.Sprintf("https://acct%02d.blob.core.windows.net/", i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("GetToken under IMDS limits: %v", err)
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != resources {
		t.Errorf("identity calls = %d, want %d", n, resources)
	}
}

// tokHeaderRecorder sits at the wire (after headerGuard) and records the
// headers every try carried to the simulator.
type tokHeaderRecorder struct {
	next    *http.Client
	mu      sync.Mutex
	headers []http.Header
}

func (r *tokHeaderRecorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.headers = append(r.headers, req.Header.Clone())
	r.mu.Unlock()
	return r.next.Do(req)
}

func TestTokenSource_Headers(t *testing.T) {
	rec := &tokHeaderRecorder{next: newIMDSHTTPClient()}
	env := tokStart(t, nil, func(o *TokenSourceOptions, _ *azuresim.Sim) { o.ClientOptions.Transport = rec })
	env.sim.FailNext(azuresim.TokenPath, 500, 1, 0) // the retry must carry them too
	// A caller trying to add X-Forwarded-For (IMDS drops such requests).
	ctx := policy.WithHTTPHeader(context.Background(), http.Header{"X-Forwarded-For": {"203.0.113.7"}})
	if _, err := env.ts.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{ResourceARM + defaultScopeSuffix}}); err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if len(rec.headers) != 2 {
		t.Fatalf("tries = %d, want 2", len(rec.headers))
	}
	for i, h := range rec.headers {
		if h.Get("Metadata") != "true" || h.Values("X-Forwarded-For") != nil {
			t.Errorf("try %d headers = %v; want Metadata: true and no X-Forwarded-For", i, h)
		}
	}
}

func TestTokenSource_NeverUsesProxy(t *testing.T) {
	var trapped atomic.Int32
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trapped.Add(1)
		http.Error(w, "trap proxy", http.StatusBadGateway)
	}))
	t.Cleanup(trap.Close)
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, trap.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")

	tr, ok := newIMDSHTTPClient().Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Fatalf("IMDS transport = %T with Proxy set; want *http.Transport with Proxy nil", newIMDSHTTPClient().Transport)
	}
	env := tokStart(t, nil, nil)
	tokMustGet(t, env.ts, ResourceARM)
	if _, err := env.ts.Refresh(context.Background(), ResourceStorage); err != nil {
		t.Fatal(err)
	}
	if n := trapped.Load(); n != 0 {
		t.Errorf("the trap proxy saw %d requests", n)
	}
	if n := env.sim.Calls(azuresim.TokenPath); n != 2 {
		t.Errorf("identity calls = %d, want 2", n)
	}
}

func TestIMDSLimiter_Concurrency(t *testing.T) {
	l := newIMDSLimiter()
	var inFlight, peak atomic.Int32
	var wg sync.WaitGroup
	began := time.Now()
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.sem <- struct{}{}
			defer func() { <-l.sem }()
			if err := l.pace(context.Background()); err != nil {
				t.Error(err)
			}
			n := inFlight.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(10 * time.Millisecond)
			inFlight.Add(-1)
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > imdsMaxConcurrent {
		t.Errorf("peak concurrency = %d, want at most %d", p, imdsMaxConcurrent)
	}
	if took := time.Since(began); took < 11*imdsMinInterval {
		t.Errorf("12 starts took %v, want at least %v apart each", took, imdsMinInterval)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l.next = time.Now().Add(time.Hour)
	if err := l.pace(ctx); err == nil {
		t.Error("pace ignored a cancelled context")
	}
}
