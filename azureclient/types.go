package azureclient

import "time"

// Resource URIs msidash asks tokens for. The ARM one keeps its trailing
// slash: Entra ID matches it exactly (see the Linux VM MSI tutorials).
const (
	ResourceARM     = "https://management.azure.com/"
	ResourceStorage = "https://storage.azure.com/"
)

// Token sources.
const (
	SourceIMDS         = "imds"
	SourceMSIExtension = "msi-extension"
)

// TokenIdentity is what the token's claims say about the identity. It is read
// without verifying the token and only ever displayed.
type TokenIdentity struct {
	ClientID   string // appid
	ObjectID   string // oid
	TenantID   string // tid
	ResourceID string // xms_mirid
}

// TokenStatus describes a cached token without ever holding the token.
type TokenStatus struct {
	Resource   string
	TokenType  string
	Source     string // SourceIMDS or SourceMSIExtension
	ExpiresOn  time.Time
	FetchedAt  time.Time
	Cached     bool // served from the cache rather than fetched for this call
	Refreshing bool // a background refresh is under way
	Identity   TokenIdentity
	LastError  error // the last failed fetch, kept while a valid token serves
}

// Instance is the VM's own description from IMDS instance metadata.
type Instance struct {
	VMName         string
	VMID           string
	SubscriptionID string
	ResourceGroup  string
	Location       string
}

// ResourceGroup is an ARM resource group and the resources in it.
type ResourceGroup struct {
	ID                string
	Name              string
	Location          string
	ProvisioningState string
	Tags              map[string]string
	Resources         []Resource
}

// Resource is one resource of a group.
type Resource struct {
	ID       string
	Name     string
	Type     string
	Location string
}

// StorageAccount is a storage account of the resource group.
type StorageAccount struct {
	Name         string
	ID           string
	Location     string
	Kind         string
	SKU          string
	BlobEndpoint string // properties.primaryEndpoints.blob
}

// AccountKey is a storage account key as msidash shows it: masked. The whole
// key never leaves azureclient.
type AccountKey struct {
	Name        string // key1, key2
	Permissions string // FULL or READ
	Masked      string // at most the first 4 and last 4 characters
	Created     time.Time
}

// Container is a blob container.
type Container struct {
	Name         string
	LastModified time.Time
}

// BlobItem is one blob of a listing.
type BlobItem struct {
	Name         string
	Size         int64
	ContentType  string
	ETag         string
	LastModified time.Time
	ContentMD5   []byte
}

// BlobProperties is what `az storage blob show` reports that msidash displays.
type BlobProperties struct {
	BlobItem
	BlobType        string
	LeaseState      string
	ServerEncrypted bool
}

// UploadResult is the committed blob after an upload.
type UploadResult struct {
	Name         string
	Size         int64
	ETag         string
	LastModified time.Time
	ContentMD5   []byte
}

// Check status values of the doctor.
const (
	CheckPass = "pass"
	CheckFail = "fail"
	CheckSkip = "skip"
)

// Check is one line of the doctor's checklist.
type Check struct {
	Name    string
	Status  string
	Message string
	Hint    string
}
