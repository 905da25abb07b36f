package azureclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/service"
	"golang.org/x/sync/singleflight"
)

// Storage auth modes of BlobsOptions.Auth.
const (
	StorageAuthKey = "key" // Shared Key with the account key from listKeys
	StorageAuthAAD = "aad" // the managed identity's token for https://storage.azure.com/
)

// RoleBlobDataContributor is the data-plane role aad mode needs to read and
// write blobs.
const RoleBlobDataContributor = "Storage Blob Data Contributor"

const (
	defaultBlockSize   = 4 << 20
	defaultConcurrency = 2
	defaultMaxUploads  = 4
	// clientTTL bounds how long a per-account client (and the key it signs
	// with) is reused before the endpoint and key are looked up again.
	clientTTL = time.Minute
)

// BlobsOptions configures Blobs; nil means defaults.
type BlobsOptions struct {
	Auth          string // StorageAuthKey (default) or StorageAuthAAD
	ClientOptions azcore.ClientOptions
	Logger        *slog.Logger
	BlockSize     int64 // staged block size, default 4 MiB
	Concurrency   int   // staged blocks in flight per upload, default 2 (memory = BlockSize*Concurrency per upload)
	MaxUploads    int   // concurrent uploads, default 4; more → KindThrottled "TooManyUploads"
}

// Blobs lists, reads and writes blobs of the resource group's storage
// accounts, with the account key (from ARM) or the identity's token.
type Blobs struct {
	arm         *ARM
	tokens      *TokenSource
	aad         bool
	clientOpts  azcore.ClientOptions
	log         *slog.Logger
	blockSize   int64
	concurrency int
	uploads     chan struct{} // semaphore of running uploads
	buffers     sync.Pool     // *[]byte of blockSize

	mu      sync.Mutex
	clients map[string]*accountClient
	renewal singleflight.Group
}

// accountClient is the service client of one account and what built it.
type accountClient struct {
	svc      *service.Client
	endpoint string
	keyed    bool // signed with an account key, so a 403 may mean a rotated key
	expires  time.Time
}

// NewBlobs builds the blob client. arm finds each account's blob endpoint
// (and, in key mode, its key); tokens is the credential in aad mode.
func NewBlobs(arm *ARM, tokens *TokenSource, opts *BlobsOptions) (*Blobs, error) {
	if opts == nil {
		opts = &BlobsOptions{}
	}
	if arm == nil {
		return nil, errors.New("azureclient: NewBlobs needs an ARM client to find storage endpoints")
	}
	b := &Blobs{
		arm:         arm,
		tokens:      tokens,
		clientOpts:  opts.ClientOptions,
		log:         opts.Logger,
		blockSize:   opts.BlockSize,
		concurrency: opts.Concurrency,
		clients:     map[string]*accountClient{},
	}
	switch opts.Auth {
	case "", StorageAuthKey:
	case StorageAuthAAD:
		if tokens == nil {
			return nil, errors.New("azureclient: storage auth aad needs a TokenSource")
		}
		b.aad = true
	default:
		return nil, fmt.Errorf("azureclient: storage auth %q is neither %q nor %q", opts.Auth, StorageAuthKey, StorageAuthAAD)
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.blockSize <= 0 {
		b.blockSize = defaultBlockSize
	}
	// Azure's Put Block limit is 4000 MiB.
	if b.blockSize > 4000<<20 {
		return nil, fmt.Errorf("azureclient: block size %d is above Azure's 4000 MiB", b.blockSize)
	}
	if b.concurrency <= 0 {
		b.concurrency = defaultConcurrency
	}
	maxUploads := opts.MaxUploads
	if maxUploads <= 0 {
		maxUploads = defaultMaxUploads
	}
	b.uploads = make(chan struct{}, maxUploads)
	size := b.blockSize
	b.buffers.New = func() any { buf := make([]byte, size); return &buf }
	return b, nil
}

// Auth returns the storage auth mode, StorageAuthKey or StorageAuthAAD.
func (b *Blobs) Auth() string {
	if b.aad {
		return StorageAuthAAD
	}
	return StorageAuthKey
}

// client returns the account's service client, cached for clientTTL.
func (b *Blobs) client(ctx context.Context, account string) (*accountClient, error) {
	b.mu.Lock()
	c := b.clients[account]
	b.mu.Unlock()
	if c != nil && time.Now().Before(c.expires) {
		return c, nil
	}
	c, err := b.newClient(ctx, account)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.clients[account] = c
	b.mu.Unlock()
	return c, nil
}

func (b *Blobs) newClient(ctx context.Context, account string) (*accountClient, error) {
	if err := ValidateAccountName(account); err != nil {
		return nil, err
	}
	if b.aad {
		sa, err := b.arm.StorageAccount(ctx, account)
		if err != nil {
			return nil, err
		}
		if sa.BlobEndpoint == "" {
			return nil, &Error{Op: "blobs.client", Kind: KindUpstream,
				Message: fmt.Sprintf("Storage account %q has no blob endpoint.", account),
				Hint:    "Use a StorageV2 or BlobStorage account."}
		}
		opts := sdkClientOptions(sa.BlobEndpoint, b.clientOpts)
		svc, err := service.NewClient(sa.BlobEndpoint, b.tokens, &service.ClientOptions{ClientOptions: opts})
		if err != nil {
			return nil, &Error{Op: "blobs.client", Kind: KindInvalid, Message: fmt.Sprintf("Blob endpoint %q is not usable.", sa.BlobEndpoint), Err: err}
		}
		return &accountClient{svc: svc, endpoint: sa.BlobEndpoint, expires: time.Now().Add(clientTTL)}, nil
	}
	endpoint, cred, err := b.arm.sharedKey(ctx, account)
	if err != nil {
		return nil, err
	}
	opts := sdkClientOptions(endpoint, b.clientOpts)
	svc, err := service.NewClientWithSharedKeyCredential(endpoint, cred, &service.ClientOptions{ClientOptions: opts})
	if err != nil {
		return nil, &Error{Op: "blobs.client", Kind: KindInvalid, Message: fmt.Sprintf("Blob endpoint %q is not usable.", endpoint), Err: err}
	}
	return &accountClient{svc: svc, endpoint: endpoint, keyed: true, expires: time.Now().Add(clientTTL)}, nil
}

// renew replaces a client whose key Azure refused: the keys are fetched from
// ARM again, once, however many calls saw the refusal at the same time.
func (b *Blobs) renew(ctx context.Context, account string, stale *accountClient) (*accountClient, error) {
	b.mu.Lock()
	cur := b.clients[account]
	b.mu.Unlock()
	if cur != nil && cur != stale && time.Now().Before(cur.expires) {
		return cur, nil // someone else renewed it already
	}
	v, err, _ := b.renewal.Do(account, func() (any, error) {
		b.mu.Lock()
		cur := b.clients[account]
		b.mu.Unlock()
		if cur != nil && cur != stale && time.Now().Before(cur.expires) {
			return cur, nil
		}
		b.log.LogAttrs(ctx, slog.LevelInfo, "storage key refused, fetching keys again", slog.String("op", "blobs.renew"), slog.String("account", account))
		b.arm.forgetKeys(account)
		c, err := b.newClient(ctx, account)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.clients[account] = c
		b.mu.Unlock()
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*accountClient), nil
}

// keyRefused reports whether err is Azure refusing a Shared Key signature,
// as after a key rotation. Azure answers 403 AuthenticationFailed; Azurite
// answers 403 AuthorizationFailure.
func keyRefused(err error) bool {
	return bloberror.HasCode(err, bloberror.AuthenticationFailed, bloberror.AuthorizationFailure)
}

// do runs call with the account's client and, in key mode, runs it once more
// with freshly fetched keys when Azure refused the key.
func (b *Blobs) do(ctx context.Context, account string, call func(*accountClient) error) error {
	c, err := b.client(ctx, account)
	if err != nil {
		return err
	}
	err = call(c)
	if err != nil && c.keyed && keyRefused(err) {
		c, rerr := b.renew(ctx, account, c)
		if rerr != nil {
			return rerr
		}
		err = call(c)
	}
	return err
}

// blobTarget names what a call was about, so its failure can say so.
type blobTarget struct {
	account, container, blob string
	endpoint                 string
}

// blobError turns the result of a blob call into an *Error that names the
// missing container or blob, or the role aad mode lacks.
func (b *Blobs) blobError(ctx context.Context, op string, err error, t blobTarget) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err // already ours, e.g. from ARM while finding the endpoint or key
	}
	if !errors.As(classify(op, err), &e) {
		return err
	}
	if e.Status == 0 {
		if e.Kind == KindUnavailable && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			where := t.endpoint
			if where == "" {
				where = "the blob endpoint of " + t.account
			}
			e.Message = fmt.Sprintf("Storage at %s could not be reached.", where)
			e.Hint = "Check the VM's outbound network (NSG, firewall, storage account network rules) to the blob endpoint."
		}
		return e
	}
	switch e.Code {
	case string(bloberror.ContainerNotFound):
		e.Kind = KindNotFound
		e.Message = fmt.Sprintf("Container %q was not found in storage account %q.", t.container, t.account)
	case string(bloberror.BlobNotFound):
		e.Kind = KindNotFound
		e.Message = fmt.Sprintf("Blob %q was not found in container %q.", t.blob, t.container)
	case string(bloberror.ResourceNotFound):
		e.Kind = KindNotFound
		e.Message = fmt.Sprintf("Storage account %q was not found at its blob endpoint.", t.account)
	case string(bloberror.ContainerAlreadyExists), string(bloberror.ContainerBeingDeleted):
		e.Kind = KindConflict
		e.Message = fmt.Sprintf("Container %q already exists in storage account %q (or is being deleted).", t.container, t.account)
	case string(bloberror.BlobAlreadyExists):
		e.Kind = KindConflict
		e.Message = fmt.Sprintf("Blob %q already exists in container %q.", t.blob, t.container)
	case string(bloberror.ConditionNotMet):
		e.Kind = KindConflict
		e.Message = fmt.Sprintf("Blob %q changed while it was being read or written.", t.blob)
	case string(bloberror.MD5Mismatch):
		e.Kind = KindInvalid
		e.Message = "A block's bytes did not match their MD5 on arrival; nothing was committed."
	case string(bloberror.AuthorizationPermissionMismatch):
		e.Kind = KindForbidden
		e.Role, e.Scope = RoleBlobDataContributor, b.arm.accountID(t.account)
		e.Message = fmt.Sprintf("The VM's managed identity may not use the blobs of storage account %q: it lacks the %s role on it.", t.account, e.Role)
		e.Hint = b.arm.roleHint(ctx, e.Role, e.Scope) + " Data-plane role assignments can take several minutes to apply."
	case string(bloberror.AuthenticationFailed), string(bloberror.AuthorizationFailure), "KeyBasedAuthenticationNotPermitted":
		e.Kind = KindForbidden
		if b.aad {
			e.Message = fmt.Sprintf("Storage account %q refused the managed identity's token.", t.account)
			e.Hint = "Check that the account's blob endpoint accepts Entra ID tokens and that the VM's clock is right."
		} else {
			e.Message = fmt.Sprintf("Storage account %q refused its account key, even after the keys were fetched again.", t.account)
			e.Hint = "Shared Key access may be disabled on the account (Settings > Configuration > Allow storage account key access), or its network rules block the VM. Or run with --storage-auth aad."
		}
	default:
		if e.Kind == KindThrottled {
			e.Message = fmt.Sprintf("Storage account %q is throttling requests.", t.account)
			e.Hint = "Wait a moment and try again."
		} else if e.Status >= http.StatusInternalServerError {
			e.Message = fmt.Sprintf("Storage account %q answered with an error (%s).", t.account, statusMessage(e.Status, e.Code))
		}
	}
	return e
}

// logCall records one blob operation without secrets.
func (b *Blobs) logCall(ctx context.Context, op string, start time.Time, t blobTarget, err error, attrs ...slog.Attr) {
	attrs = append(attrs,
		slog.String("op", op),
		slog.String("account", t.account),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	if t.container != "" {
		attrs = append(attrs, slog.String("container", t.container))
	}
	if t.blob != "" {
		attrs = append(attrs, slog.String("blob", t.blob))
	}
	level := slog.LevelDebug
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			attrs = append(attrs, slog.String("kind", e.Kind.String()), slog.Int("status", e.Status), slog.String("code", e.Code))
		}
		level = slog.LevelWarn
	}
	b.log.LogAttrs(ctx, level, "storage call", attrs...)
}

// Delete deletes a blob and its snapshots. A missing blob is KindNotFound.
func (b *Blobs) Delete(ctx context.Context, account, container, name string) error {
	const op = "blobs.Delete"
	if err := validateBlobPath(container, name); err != nil {
		return err
	}
	start := time.Now()
	t := blobTarget{account: account, container: container, blob: name}
	err := b.do(ctx, account, func(c *accountClient) error {
		t.endpoint = c.endpoint
		_, err := c.svc.NewContainerClient(container).NewBlobClient(name).Delete(ctx, &blob.DeleteOptions{
			DeleteSnapshots: to.Ptr(blob.DeleteSnapshotsOptionTypeInclude),
		})
		return err
	})
	err = b.blobError(ctx, op, err, t)
	b.logCall(ctx, op, start, t, err)
	return err
}

// Probe makes one cheap authenticated call (list one container) to show the
// blob endpoint answers with the key or token, for the doctor.
func (b *Blobs) Probe(ctx context.Context, account string) error {
	const op = "blobs.Probe"
	start := time.Now()
	t := blobTarget{account: account}
	err := b.do(ctx, account, func(c *accountClient) error {
		t.endpoint = c.endpoint
		_, err := c.svc.NewListContainersPager(&service.ListContainersOptions{MaxResults: to.Ptr[int32](1)}).NextPage(ctx)
		return err
	})
	err = b.blobError(ctx, op, err, t)
	b.logCall(ctx, op, start, t, err)
	return err
}

func validateBlobPath(container, name string) error {
	if err := ValidateContainerName(container); err != nil {
		return err
	}
	return ValidateBlobName(name)
}

// errReader turns the SDK's read errors into *Error, whose text never holds
// a response body.
type errReader struct {
	rc  io.ReadCloser
	err func(error) error
}

func (r *errReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && err != io.EOF {
		err = r.err(err)
	}
	return n, err
}

func (r *errReader) Close() error { return r.rc.Close() }
