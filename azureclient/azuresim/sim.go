// Package azuresim simulates, on one base URL, the parts of Azure msidash
// talks to: the Instance Metadata Service (identity tokens and instance
// metadata), the legacy MSI VM extension and a slice of Azure Resource
// Manager (resource group, storage accounts, listKeys). Tests start it with
// Start; `make demo` runs it as cmd/azuresim. Runtime knobs inject the faults
// Azure documents: throttling, a disabled identity, revoked roles, short token
// lifetimes, rotated keys and hung requests.
package azuresim

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Paths the simulator serves.
const (
	TokenPath    = "/metadata/identity/oauth2/token"
	InstancePath = "/metadata/instance"
	MSIPath      = "/oauth2/token" // legacy MSI VM extension, POST form resource=
	ARMPath      = "/subscriptions/"
	ListKeysPath = "/listkeys" // matched case-insensitively as a path substring
)

// The simulated VM, its tenant and its identities. All ids are fixed so that
// tests and the demo can name them.
const (
	DefaultSubscriptionID = "6b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	DefaultResourceGroup  = "msidash-demo"
	DefaultVMName         = "msidash-vm"
	DefaultVMID           = "0f8fad5b-d9cb-469f-a165-70867728950e"
	DefaultLocation       = "westeurope"
	DefaultTenantID       = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	DefaultAccount        = "msidashdemo"

	// ClientID and ObjectID belong to the VM's system-assigned identity.
	ClientID = "4a1c7e2b-9d3f-4e8a-b5c6-0f1e2d3c4b5a"
	ObjectID = "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"

	// UserClientID, UserObjectID and UserResourceID belong to the one
	// user-assigned identity attached to the VM.
	UserClientID   = "c0ffee00-1234-4abc-9def-0123456789ab"
	UserObjectID   = "be5e1a7e-4321-4dcb-8fed-ba9876543210"
	UserResourceID = "/subscriptions/" + DefaultSubscriptionID + "/resourcegroups/" + DefaultResourceGroup +
		"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/msidash-uai"
)

// Role names the simulator knows (built-in Azure roles).
const (
	RoleOwner              = "Owner"
	RoleContributor        = "Contributor"
	RoleReader             = "Reader"
	RoleKeyOperator        = "Storage Account Key Operator Service Role"
	RoleStorageContributor = "Storage Account Contributor"
)

// Demo storage keys: fixed, valid base64 of 64 bytes (SHA-512 of
// "msidash azuresim demo key N - not a secret"), for the local demo and tests
// only. They are public and protect nothing; never use them anywhere real.
const (
	DemoKey1 = "LNKk8S8MljCuR+aRrgaNyZQeE3r/roJNw8Wy3SMZwP0BzJp5xrmkQvk6Z7MS4iSszp5aLs5d3okbecGokEjTAQ=="
	DemoKey2 = "46qpKwn6Gxa9DWfTQOQPAobzYPFfQZsn+dKlGHizvRBax9OB33I5aIntRP/HsfcGcEup35Mywi4MPhTUogDeVQ=="
)

// Account is a storage account of the simulated resource group.
type Account struct {
	Name         string
	Key1, Key2   string
	BlobEndpoint string // properties.primaryEndpoints.blob; "" gives https://<name>.blob.core.windows.net/
}

// Option configures New and Start.
type Option func(*config)

type config struct {
	accounts    []Account
	tokenTTL    time.Duration
	identityOff bool
	imdsLimits  bool
	now         func() time.Time
}

// WithAccounts replaces the default account (msidashdemo with the demo keys).
// Empty keys get the demo keys.
func WithAccounts(a ...Account) Option {
	return func(c *config) { c.accounts = append([]Account(nil), a...) }
}

// WithTokenTTL sets the lifetime of minted tokens (default 1h).
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithIdentityOff starts with no managed identity: IMDS answers "Identity not found".
func WithIdentityOff() Option { return func(c *config) { c.identityOff = true } }

// WithIMDSLimits enforces IMDS's documented 20 requests/s and 5 concurrent
// requests on the identity endpoint; excess requests get 429.
func WithIMDSLimits() Option { return func(c *config) { c.imdsLimits = true } }

// WithClock sets the clock used for token times and expiry checks.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// identity is a managed identity of the VM.
type identity struct {
	clientID, objectID, resourceID string
}

// account is the mutable state of one storage account.
type account struct {
	name                     string
	key1, key2               string
	key1Created, key2Created time.Time
	blobEndpoint             string
}

// Sim is the simulator, an http.Handler. Its methods are safe for concurrent use.
type Sim struct {
	now        func() time.Time
	secret     []byte
	limits     bool
	system     identity
	user       identity
	created    time.Time
	url        string
	imdsLimits *imdsLimiter
	stop       chan struct{} // closed by Start's cleanup: delayed requests end at once
	stopOnce   sync.Once

	mu         sync.Mutex
	identityOn bool
	tokenTTL   time.Duration
	roles      map[roleKey]bool
	accounts   []*account
	faults     []*fault
	delays     map[string]time.Duration
	calls      []string
	issued     []string
}

// New builds a simulator; it serves nothing until mounted (see Start).
func New(opts ...Option) *Sim {
	cfg := config{
		accounts: []Account{{Name: DefaultAccount}},
		tokenTTL: time.Hour,
		now:      time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	s := &Sim{
		now:    cfg.now,
		secret: secret,
		limits: cfg.imdsLimits,
		system: identity{
			clientID:   ClientID,
			objectID:   ObjectID,
			resourceID: vmID(DefaultSubscriptionID, DefaultResourceGroup, DefaultVMName),
		},
		user:       identity{clientID: UserClientID, objectID: UserObjectID, resourceID: UserResourceID},
		created:    cfg.now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Second),
		identityOn: !cfg.identityOff,
		tokenTTL:   cfg.tokenTTL,
		roles:      map[roleKey]bool{},
		delays:     map[string]time.Duration{},
		stop:       make(chan struct{}),
	}
	if cfg.imdsLimits {
		s.imdsLimits = newIMDSLimiter(cfg.now)
	}
	for _, a := range cfg.accounts {
		k1, k2 := a.Key1, a.Key2
		if k1 == "" {
			k1 = DemoKey1
		}
		if k2 == "" {
			k2 = DemoKey2
		}
		s.accounts = append(s.accounts, &account{
			name: a.Name, key1: k1, key2: k2,
			key1Created: s.created, key2Created: s.created,
			blobEndpoint: a.BlobEndpoint,
		})
	}
	s.roles[newRoleKey(RoleReader, s.RGScope())] = true
	for _, a := range s.accounts {
		s.roles[newRoleKey(RoleKeyOperator, s.AccountScope(a.name))] = true
	}
	return s
}

// Start serves a new simulator on 127.0.0.1 with a random port and closes it
// when the test ends.
func Start(t testing.TB, opts ...Option) *Sim {
	t.Helper()
	s := New(opts...)
	srv := httptest.NewServer(s) // binds 127.0.0.1:0
	t.Cleanup(func() {
		// Release requests held by Delay first: srv.Close waits for them.
		s.stopOnce.Do(func() { close(s.stop) })
		srv.Close()
	})
	s.url = srv.URL
	return s
}

// URL returns the base URL when started with Start, else "".
func (s *Sim) URL() string { return s.url }

// ServeHTTP counts the call, applies limits, delays and injected faults,
// then routes to IMDS, the MSI extension or ARM.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.ToLower(r.URL.Path)
	s.record(p)
	if p == TokenPath && s.imdsLimits != nil {
		release, ok := s.imdsLimits.acquire()
		if !ok {
			writeThrottled(w, p, time.Second)
			return
		}
		defer release()
	}
	if !s.wait(r, p) {
		return // the client gave up; nobody reads an answer
	}
	if f, ok := s.takeFault(p); ok {
		writeFault(w, p, f)
		return
	}
	switch {
	case p == TokenPath:
		s.serveToken(w, r)
	case p == InstancePath || p == InstancePath+"/":
		s.serveInstance(w, r)
	case p == MSIPath:
		s.serveMSI(w, r)
	case strings.HasPrefix(p, ARMPath):
		s.serveARM(w, r)
	default:
		http.NotFound(w, r)
	}
}

// SetIdentity turns the VM's managed identities on or off.
func (s *Sim) SetIdentity(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identityOn = on
}

// SetTokenTTL sets the lifetime of tokens minted from now on.
func (s *Sim) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// record counts a request by its lower-cased path.
func (s *Sim) record(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, p)
}

// Calls returns how many requests had a lower-cased path containing match
// (itself lower-cased); "" counts every request.
func (s *Sim) Calls(match string) int {
	match = strings.ToLower(match)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.calls {
		if strings.Contains(p, match) {
			n++
		}
	}
	return n
}

// IssuedTokens returns every access token minted so far, for secret-leak scans.
func (s *Sim) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

func vmID(sub, rg, vm string) string {
	return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.Compute/virtualMachines/" + vm
}
