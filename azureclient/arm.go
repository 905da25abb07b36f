package azureclient

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
	gocache "github.com/patrickmn/go-cache"

	"github.com/msidash/msidash/azureclient/secrets"
)

// DefaultARMEndpoint is the public cloud's Azure Resource Manager.
const DefaultARMEndpoint = "https://management.azure.com"

const (
	defaultARMCacheTTL = 30 * time.Second
	// listKeys is a POST and counts against ARM's write budget, so keys are
	// kept longer than other reads.
	// https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
	armKeysTTL = 5 * time.Minute
)

// ARMOptions configures an ARM client. SubscriptionID and ResourceGroup are required.
type ARMOptions struct {
	Endpoint       string // default DefaultARMEndpoint
	Resource       string // token audience, default ResourceARM
	SubscriptionID string
	ResourceGroup  string
	ClientOptions  azcore.ClientOptions
	Logger         *slog.Logger
	Redactor       *secrets.Redactor
	CacheTTL       time.Duration // reads, default 30s; keys are kept 5 min
}

// ARM reads the VM's resource group, its storage accounts and their keys
// through Azure Resource Manager with the managed identity's token.
type ARM struct {
	tokens   *TokenSource
	endpoint string
	resource string
	sub, rg  string
	log      *slog.Logger
	redactor *secrets.Redactor
	ttl      time.Duration

	groups   *armresources.ResourceGroupsClient
	res      *armresources.Client
	accounts *armstorage.AccountsClient

	cache  *gocache.Cache
	flight armFlight
}

// NewARM builds the ARM client. tokens is the credential for every call.
func NewARM(tokens *TokenSource, opts *ARMOptions) (*ARM, error) {
	if opts == nil {
		opts = &ARMOptions{}
	}
	if tokens == nil {
		return nil, &Error{Op: "arm.New", Kind: KindInvalid, Message: "no token source"}
	}
	if opts.SubscriptionID == "" || opts.ResourceGroup == "" {
		return nil, &Error{Op: "arm.New", Kind: KindInvalid, Message: "subscription id and resource group are required",
			Hint: "Pass --subscription-id and --resource-group, or run on an Azure VM whose instance metadata names them."}
	}
	a := &ARM{
		tokens:   tokens,
		endpoint: strings.TrimRight(opts.Endpoint, "/"),
		resource: opts.Resource,
		sub:      opts.SubscriptionID,
		rg:       opts.ResourceGroup,
		log:      opts.Logger,
		redactor: opts.Redactor,
		ttl:      opts.CacheTTL,
	}
	if a.endpoint == "" {
		a.endpoint = DefaultARMEndpoint
	}
	if a.resource == "" {
		a.resource = ResourceARM
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.ttl <= 0 {
		a.ttl = defaultARMCacheTTL
	}
	// No janitor goroutine (it would outlive the client); expired entries
	// are swept on each miss instead.
	a.cache = gocache.New(a.ttl, 0)
	a.flight.calls = map[string]*armCall{}

	co := a.clientOptions(opts.ClientOptions)
	var err error
	if a.groups, err = armresources.NewResourceGroupsClient(a.sub, tokens, co); err != nil {
		return nil, &Error{Op: "arm.New", Kind: KindInvalid, Message: "cannot build the ARM client", Err: err}
	}
	if a.res, err = armresources.NewClient(a.sub, tokens, co); err != nil {
		return nil, &Error{Op: "arm.New", Kind: KindInvalid, Message: "cannot build the ARM client", Err: err}
	}
	if a.accounts, err = armstorage.NewAccountsClient(a.sub, tokens, co); err != nil {
		return nil, &Error{Op: "arm.New", Kind: KindInvalid, Message: "cannot build the ARM client", Err: err}
	}
	return a, nil
}

// clientOptions points the SDK at the configured endpoint. The token
// audience stays a.resource: the ARM bearer policy asks for
// Audience+"/.default", which the token source maps back to the resource.
func (a *ARM) clientOptions(base azcore.ClientOptions) *arm.ClientOptions {
	co := sdkClientOptions(a.endpoint, base)
	co.Cloud = cloud.Configuration{
		ActiveDirectoryAuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: a.endpoint, Audience: a.resource},
		},
	}
	// A 401 means the cached token went bad (revoked, rotated, clock skew):
	// drop it and try once more, before the retry policy sees the answer.
	co.PerCallPolicies = append(append([]policy.Policy{}, co.PerCallPolicies...), &armReauthPolicy{tokens: a.tokens, resource: a.resource})
	return &arm.ClientOptions{
		ClientOptions: co,
		// msidash only reads; registering resource providers is a write it
		// has no business doing.
		DisableRPRegistration: true,
	}
}

// SubscriptionID returns the subscription the client reads.
func (a *ARM) SubscriptionID() string { return a.sub }

// ResourceGroupName returns the resource group the client reads.
func (a *ARM) ResourceGroupName() string { return a.rg }

// Forget drops the cached resource group and storage account reads, so the
// next read asks ARM again. Keys stay cached: listKeys is an ARM write and a
// page refresh must not spend one; forgetKeys drops them after a rotation.
func (a *ARM) Forget() {
	for k := range a.cache.Items() {
		if !strings.HasPrefix(k, armKeysPrefix) {
			a.cache.Delete(k)
		}
	}
}

// rgID is the resource group's resource id, the scope of the Reader role.
func (a *ARM) rgID() string {
	return "/subscriptions/" + a.sub + "/resourceGroups/" + a.rg
}

// accountID is a storage account's resource id, the scope of its key role.
func (a *ARM) accountID(name string) string {
	return a.rgID() + "/providers/Microsoft.Storage/storageAccounts/" + name
}

// cached returns the cached value under key or fills it with fetch. Only
// successes are cached; concurrent misses share one fetch.
func cached[T any](ctx context.Context, a *ARM, key string, ttl time.Duration, fetch func(context.Context) (T, error)) (T, error) {
	if v, ok := a.cache.Get(key); ok {
		return v.(T), nil
	}
	a.cache.DeleteExpired()
	v, err := a.flight.do(ctx, key, func(ctx context.Context) (any, error) {
		if v, ok := a.cache.Get(key); ok {
			return v, nil
		}
		v, err := fetch(ctx)
		if err != nil {
			return nil, err
		}
		a.cache.Set(key, v, ttl)
		return v, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// logCall records one ARM operation without any body, token or key.
func (a *ARM) logCall(ctx context.Context, op string, start time.Time, err error) {
	attrs := []slog.Attr{slog.String("op", op), slog.Int64("duration_ms", time.Since(start).Milliseconds())}
	if err == nil {
		a.log.LogAttrs(ctx, slog.LevelDebug, "arm call", attrs...)
		return
	}
	var e *Error
	if errors.As(err, &e) {
		attrs = append(attrs, slog.String("kind", e.Kind.String()), slog.Int("status", e.Status), slog.String("code", e.Code))
	}
	a.log.LogAttrs(ctx, slog.LevelWarn, "arm call failed", attrs...)
}

// armReauthPolicy answers a 401 by invalidating the token and sending the
// request once more. The ARM bearer policy expires its own copy on a 401,
// so the second try carries a freshly fetched token. Exactly one retry: a
// second 401 goes back to the caller.
type armReauthPolicy struct {
	tokens   *TokenSource
	resource string
}

func (p *armReauthPolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	p.tokens.Invalidate(p.resource)
	if rerr := req.RewindBody(); rerr != nil {
		return resp, nil
	}
	// Drain the first answer so its connection can be reused.
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return req.Next()
}

// armFlight collapses concurrent fetches of one key into one call. Unlike a
// plain singleflight, the shared call runs under its own context that is
// cancelled only when every waiter has gone, so one impatient caller does
// not fail the others and an abandoned fetch does not outlive its callers.
type armFlight struct {
	mu    sync.Mutex
	calls map[string]*armCall
}

type armCall struct {
	done    chan struct{}
	val     any
	err     error
	waiters int
	cancel  context.CancelFunc
}

func (f *armFlight) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	f.mu.Lock()
	c, ok := f.calls[key]
	if !ok {
		fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &armCall{done: make(chan struct{}), cancel: cancel}
		f.calls[key] = c
		go func() {
			c.val, c.err = fn(fctx)
			f.mu.Lock()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
			f.mu.Unlock()
			cancel()
			close(c.done)
		}()
	}
	c.waiters++
	f.mu.Unlock()

	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			c.cancel()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
		}
		f.mu.Unlock()
		return nil, classify("arm", ctx.Err())
	}
}
