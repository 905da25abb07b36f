package azureclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/msidash/msidash/azureclient/azuresim"
)

// instanceHeaders records the headers of every request a handler sees.
type instanceHeaders struct {
	mu   sync.Mutex
	seen []http.Header
	next http.Handler
}

func (h *instanceHeaders) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.seen = append(h.seen, r.Header.Clone())
	h.mu.Unlock()
	h.next.ServeHTTP(w, r)
}

// instanceSetHeader is a policy that adds a header to every request.
type instanceSetHeader struct{ name, value string }

func (p instanceSetHeader) Do(req *policy.Request) (*http.Response, error) {
	req.Raw().Header.Set(p.name, p.value)
	return req.Next()
}

func TestGetInstance(t *testing.T) {
	fast := policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond}
	tests := []struct {
		name       string
		givenFail  int // 503s before success
		givenDown  bool
		expectKind Kind
	}{
		{name: "reads compute metadata"},
		{name: "503 retried", givenFail: 1},
		{name: "unreachable", givenDown: true, expectKind: KindUnavailable},
		{name: "503 beyond the budget", givenFail: 5, expectKind: KindUpstream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := azuresim.New()
			rec := &instanceHeaders{next: sim}
			srv := httptest.NewServer(rec)
			t.Cleanup(srv.Close)
			endpoint := srv.URL
			if tt.givenDown {
				endpoint = armClosedURL(t)
			}
			if tt.givenFail > 0 {
				sim.FailNext(azuresim.InstancePath, http.StatusServiceUnavailable, tt.givenFail, 0)
			}
			inst, err := GetInstance(context.Background(), endpoint, &InstanceOptions{ClientOptions: azcore.ClientOptions{
				Retry: fast,
				// IMDS drops requests with X-Forwarded-For; whatever adds
				// one, it must not reach the wire.
				PerCallPolicies: []policy.Policy{instanceSetHeader{"X-Forwarded-For", "10.0.0.1"}},
			}})
			if tt.expectKind != KindUnknown {
				e := armAsError(t, err, tt.expectKind)
				if e.Message == "" || e.Hint == "" {
					t.Errorf("message %q hint %q", e.Message, e.Hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Instance{
				VMName:         azuresim.DefaultVMName,
				VMID:           azuresim.DefaultVMID,
				SubscriptionID: azuresim.DefaultSubscriptionID,
				ResourceGroup:  azuresim.DefaultResourceGroup,
				Location:       azuresim.DefaultLocation,
			}
			if inst != want {
				t.Errorf("instance = %+v, want %+v", inst, want)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.seen) != tt.givenFail+1 {
				t.Errorf("requests = %d, want %d", len(rec.seen), tt.givenFail+1)
			}
			for _, h := range rec.seen {
				if h.Get("Metadata") != "true" || h.Get("X-Forwarded-For") != "" {
					t.Errorf("headers Metadata=%q X-Forwarded-For=%q", h.Get("Metadata"), h.Get("X-Forwarded-For"))
				}
			}
		})
	}
}

func TestGetInstance_NotIMDS(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>captive portal</html>"))
	}))
	t.Cleanup(srv.Close)
	_, err := GetInstance(context.Background(), srv.URL, nil)
	armAsError(t, err, KindUpstream)
}

func TestInstanceRetryOptions_Defaults(t *testing.T) {
	o := instanceRetryOptions(policy.RetryOptions{})
	if o.MaxRetries == 0 || o.RetryDelay < time.Second || o.TryTimeout == 0 || len(o.StatusCodes) == 0 {
		t.Errorf("defaults = %+v", o)
	}
	kept := instanceRetryOptions(policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond})
	if kept.MaxRetries != 1 || kept.RetryDelay != time.Millisecond {
		t.Errorf("overrides lost: %+v", kept)
	}
}
