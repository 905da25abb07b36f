package azureclient

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// imdsRetryStatusCodes are the answers worth retrying: 404 and 410 while IMDS
// updates, 429, and the 5xx family; other 4xx are design-time errors. The
// list is azidentity's (managed_identity_client.go).
var imdsRetryStatusCodes = []int{
	http.StatusNotFound,                      // 404
	http.StatusGone,                          // 410
	http.StatusTooManyRequests,               // 429
	http.StatusInternalServerError,           // 500
	http.StatusNotImplemented,                // 501
	http.StatusBadGateway,                    // 502
	http.StatusServiceUnavailable,            // 503
	http.StatusGatewayTimeout,                // 504
	http.StatusHTTPVersionNotSupported,       // 505
	http.StatusVariantAlsoNegotiates,         // 506
	http.StatusInsufficientStorage,           // 507
	http.StatusLoopDetected,                  // 508
	http.StatusNotExtended,                   // 510
	http.StatusNetworkAuthenticationRequired, // 511
}

// IMDS limits for the identity category: 20 requests per second and 5 at once.
// https://learn.microsoft.com/azure/virtual-machines/instance-metadata-service#rate-limiting
const (
	imdsMaxConcurrent = 5
	imdsMinInterval   = 60 * time.Millisecond // a little under 20/s, so jitter on the wire cannot tip it over
)

// imdsFetchBudget bounds one shared fetch, all retries included, so a
// black-holed endpoint cannot hold a background goroutine for ever.
const imdsFetchBudget = 2 * time.Minute

// imdsRetryOptions fills the zero fields of o with the identity endpoint's
// retry defaults, following the IMDS retry guidance (exponential back-off,
// about 70 s in all, since a 410 "will be available within 70 seconds") and
// azidentity's setIMDSRetryOptionDefaults:
// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#retry-guidance
// azcore's retry policy applies them and honours Retry-After.
func imdsRetryOptions(o policy.RetryOptions) policy.RetryOptions {
	if o.MaxRetries == 0 {
		o.MaxRetries = 5 // delays of about 2, 6, 14, 25, 25 s
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = 2 * time.Second
	}
	if o.MaxRetryDelay == 0 {
		o.MaxRetryDelay = 25 * time.Second
	}
	if o.TryTimeout == 0 {
		o.TryTimeout = 10 * time.Second // IMDS answers in milliseconds; this catches a black hole
	}
	if o.StatusCodes == nil {
		o.StatusCodes = imdsRetryStatusCodes
	}
	return o
}

// newIMDSHTTPClient returns the client for the identity endpoint. IMDS must
// be reached directly: "bypass proxies even if you don't know of any proxy
// configuration", so Proxy is nil and HTTP_PROXY is never consulted.
// Keep-alives are off because tokens are fetched rarely and idle connections
// would only linger. Redirects are not followed, so the Metadata header
// cannot be carried elsewhere.
func newIMDSHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			DisableKeepAlives:     true,
			ResponseHeaderTimeout: 30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// headerGuard is the last step before the wire: IMDS drops any request with
// X-Forwarded-For, and wants Metadata: true on every one, retries included.
type headerGuard struct{ next policy.Transporter }

func (g headerGuard) Do(req *http.Request) (*http.Response, error) {
	req.Header.Del(headerForwardedFor)
	req.Header.Set(headerMetadata, "true")
	return g.next.Do(req)
}

// imdsLimiter keeps every try (retries included) within the IMDS identity
// limits: at most imdsMaxConcurrent in flight, starts imdsMinInterval apart.
// It uses the real clock: it paces the wire, not token lifetimes.
type imdsLimiter struct {
	sem  chan struct{}
	mu   sync.Mutex
	next time.Time
}

func newIMDSLimiter() *imdsLimiter {
	return &imdsLimiter{sem: make(chan struct{}, imdsMaxConcurrent)}
}

// Do implements policy.Policy.
func (l *imdsLimiter) Do(req *policy.Request) (*http.Response, error) {
	ctx := req.Raw().Context()
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.sem }()
	if err := l.pace(ctx); err != nil {
		return nil, err
	}
	return req.Next()
}

// pace reserves the next start slot and sleeps until it.
func (l *imdsLimiter) pace(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	start := l.next
	if start.Before(now) {
		start = now
	}
	l.next = start.Add(imdsMinInterval)
	l.mu.Unlock()
	wait := start.Sub(now)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
