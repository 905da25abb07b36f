package azureclient

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"golang.org/x/sync/singleflight"

	"github.com/msidash/msidash/azureclient/secrets"
)

// TokenSourceOptions configures a TokenSource; the zero value asks IMDS for
// the VM's system-assigned identity.
type TokenSourceOptions struct {
	IMDSEndpoint  string               // default "http://169.254.169.254"
	MSIEndpoint   string               // when set, tokens come from the legacy extension (POST form)
	Identity      Identity             // nil = system-assigned
	Logger        *slog.Logger         // nil = discard
	Redactor      *secrets.Redactor    // learns every token fetched
	ClientOptions azcore.ClientOptions // Transport/Retry overrides for tests; defaults follow IMDS guidance
	Now           func() time.Time     // clock for token lifetimes; default time.Now
	StatusWait    time.Duration        // how long Status/Refresh wait for a fetch (default 3s)
}

// TokenSource gets managed identity tokens from IMDS (or the legacy MSI
// extension), caches them per resource, fetches each at most once at a time
// and refreshes them ahead of expiry. It is an azcore.TokenCredential.
type TokenSource struct {
	imdsEndpoint string
	msiEndpoint  string // full token URL; empty = IMDS
	identity     Identity
	source       string
	log          *slog.Logger
	redactor     *secrets.Redactor
	now          func() time.Time
	statusWait   time.Duration
	pipeline     runtime.Pipeline

	cache    *tokenCache
	group    singleflight.Group
	mu       sync.Mutex
	states   map[string]*tokenState
	inflight atomic.Int32   // fetches under way, all keys
	bg       sync.WaitGroup // background refreshes
}

var _ azcore.TokenCredential = (*TokenSource)(nil)

const defaultStatusWait = 3 * time.Second

// NewTokenSource builds a TokenSource; nil opts means IMDS and the
// system-assigned identity.
func NewTokenSource(opts *TokenSourceOptions) (*TokenSource, error) {
	var o TokenSourceOptions
	if opts != nil {
		o = *opts
	}
	s := &TokenSource{
		imdsEndpoint: strings.TrimSuffix(o.IMDSEndpoint, "/"),
		identity:     o.Identity,
		source:       SourceIMDS,
		log:          o.Logger,
		redactor:     o.Redactor,
		now:          o.Now,
		statusWait:   o.StatusWait,
		states:       map[string]*tokenState{},
	}
	if s.imdsEndpoint == "" {
		s.imdsEndpoint = defaultIMDSEndpoint
	}
	if err := checkEndpoint("--imds-endpoint", s.imdsEndpoint); err != nil {
		return nil, err
	}
	if o.MSIEndpoint != "" {
		if err := checkEndpoint("--msi-endpoint", o.MSIEndpoint); err != nil {
			return nil, err
		}
		s.msiEndpoint = msiExtensionURL(o.MSIEndpoint)
		s.source = SourceMSIExtension
	}
	if err := validateIdentity(o.Identity, s.msiEndpoint != ""); err != nil {
		return nil, err
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.statusWait <= 0 {
		s.statusWait = defaultStatusWait
	}
	s.cache = newTokenCache(s.now)
	s.pipeline = newIMDSPipeline(o.ClientOptions)
	return s, nil
}

// newIMDSPipeline is azcore's pipeline with the IMDS retry defaults, the
// limiter on every try and the no-proxy transport.
func newIMDSPipeline(co azcore.ClientOptions) runtime.Pipeline {
	co.Retry = imdsRetryOptions(co.Retry)
	transport := co.Transport
	if transport == nil {
		transport = newIMDSHTTPClient()
	}
	co.Transport = headerGuard{next: transport}
	co.PerRetryPolicies = append([]policy.Policy{newIMDSLimiter()}, co.PerRetryPolicies...)
	co.Logging.IncludeBody = false // the body is the token
	return runtime.NewPipeline("msidash-azureclient", "v1", runtime.PipelineOptions{}, &co)
}

// checkEndpoint accepts an absolute http(s) URL.
func checkEndpoint(flag, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{Op: opToken, Kind: KindInvalid, Code: "InvalidEndpoint",
			Message: flag + " must be an http(s) URL such as " + defaultIMDSEndpoint}
	}
	return nil
}

// Source returns SourceIMDS or SourceMSIExtension.
func (s *TokenSource) Source() string { return s.source }

// IMDSEndpoint returns the IMDS base URL in use, without a trailing slash.
func (s *TokenSource) IMDSEndpoint() string { return s.imdsEndpoint }

// GetToken implements azcore.TokenCredential. It is the only method that
// returns the token itself.
func (s *TokenSource) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	resource, err := scopeToResource(o.Scopes)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	key := tokenKey(resource, s.identity)
	if t, ok := s.cachedToken(ctx, key, resource); ok {
		return t.accessToken(), nil
	}
	r, err := s.await(ctx, s.fill(ctx, key, resource, false))
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return r.accessToken(), nil
}

func (t token) accessToken() azcore.AccessToken {
	return azcore.AccessToken{Token: t.value, ExpiresOn: t.expiresOn, RefreshOn: t.refreshAt()}
}

// Status describes the token for resource (default ResourceARM) without
// returning it. With no usable token cached it starts a fetch and waits at
// most StatusWait; a fetch still running then shows as Refreshing.
func (s *TokenSource) Status(ctx context.Context, resource string) (TokenStatus, error) {
	resource, err := statusResource(resource)
	if err != nil {
		return TokenStatus{}, err
	}
	key := tokenKey(resource, s.identity)
	if t, ok := s.cachedToken(ctx, key, resource); ok {
		return s.status(key, t, true), nil
	}
	return s.awaitStatus(ctx, key, resource, s.fill(ctx, key, resource, false))
}

// Refresh fetches a new token for resource (default ResourceARM), sharing a
// fetch already under way, and describes it. If the fetch outlasts
// StatusWait it answers with the state it has, Refreshing set.
func (s *TokenSource) Refresh(ctx context.Context, resource string) (TokenStatus, error) {
	resource, err := statusResource(resource)
	if err != nil {
		return TokenStatus{}, err
	}
	key := tokenKey(resource, s.identity)
	return s.awaitStatus(ctx, key, resource, s.fill(ctx, key, resource, true))
}

// Invalidate drops the cached token for resource, e.g. after Azure answered
// 401 to it; the next call fetches a new one.
func (s *TokenSource) Invalidate(resource string) {
	resource, err := statusResource(resource)
	if err != nil {
		return
	}
	s.cache.Delete(tokenKey(resource, s.identity))
}

func statusResource(resource string) (string, error) {
	if resource == "" {
		return ResourceARM, nil
	}
	return normalizeResource(resource)
}

// await waits for a fill; the caller's ctx bounds only its own wait, never
// the shared fetch.
func (s *TokenSource) await(ctx context.Context, ch <-chan singleflight.Result) (token, error) {
	select {
	case r := <-ch:
		if r.Err != nil {
			return token{}, r.Err
		}
		return r.Val.(token), nil
	case <-ctx.Done():
		return token{}, s.waitError(ctx.Err())
	}
}

func (s *TokenSource) waitError(err error) error {
	return &Error{Op: opToken, Kind: KindUnavailable, Message: "gave up waiting for the identity endpoint",
		Hint: s.unavailableHint(), Err: err}
}

// awaitStatus waits at most StatusWait for a fill and describes the outcome.
func (s *TokenSource) awaitStatus(ctx context.Context, key, resource string, ch <-chan singleflight.Result) (TokenStatus, error) {
	timer := time.NewTimer(s.statusWait)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.Err != nil {
			st := s.pendingStatus(key, resource)
			st.LastError = r.Err
			return st, r.Err
		}
		return s.status(key, r.Val.(token), false), nil
	case <-timer.C:
		st := s.pendingStatus(key, resource)
		st.Refreshing = true
		return st, nil
	case <-ctx.Done():
		return s.pendingStatus(key, resource), s.waitError(ctx.Err())
	}
}

// pendingStatus is the state while no fresh answer is at hand: the usable
// cached token if any, else just the resource and source.
func (s *TokenSource) pendingStatus(key, resource string) TokenStatus {
	if t, ok := s.cache.Get(key); ok && t.usable(s.now()) {
		return s.status(key, t, true)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stateLocked(key)
	return TokenStatus{Resource: resource, Source: s.source, Refreshing: st.fetching > 0, LastError: st.lastErr}
}

// status describes t; it copies metadata only, never the token.
func (s *TokenSource) status(key string, t token, cached bool) TokenStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stateLocked(key)
	return TokenStatus{
		Resource:   t.resource,
		TokenType:  t.tokenType,
		Source:     t.source,
		ExpiresOn:  t.expiresOn,
		FetchedAt:  t.fetchedAt,
		Cached:     cached,
		Refreshing: st.fetching > 0,
		Identity:   t.identity,
		LastError:  st.lastErr,
	}
}
