// Package web holds the templ components, their view models and the URL
// builders. It never sees an azureclient type: handlers build these
// display-ready views, so no secret can reach a template by accident.
package web

// TokenCard is the token status on the overview; it never holds the token.
type TokenCard struct {
	Available        bool // a valid token is cached
	Resource         string
	Source           string
	TokenType        string
	ClientID         string
	ObjectID         string
	TenantID         string
	ResourceID       string
	ExpiresIn        string // "41m 12s"
	ExpiresAtRFC3339 string // for the live countdown
	FetchedAt        string
	FetchedAtExact   string
	Cached           bool
	Refreshing       bool
	LastError        *Alert // the last failed fetch, shown while a token still serves
	RefreshURL       string
}

// InstanceView is the VM as IMDS describes it.
type InstanceView struct {
	VMName         string
	VMID           string
	SubscriptionID string
	ResourceGroup  string
	Location       string
	Error          *Alert
}

// OverviewView is the "/" page.
type OverviewView struct {
	Token    TokenCard
	Instance InstanceView
	Group    GroupSummary
	Doctor   DoctorView
}

// GroupSummary is the resource group card of the overview.
type GroupSummary struct {
	Name          string
	Location      string
	State         string
	ResourceCount int
	Accounts      []AccountRow
	URL           string
	Error         *Alert
}

// ResourceGroupView is the resource group page.
type ResourceGroupView struct {
	ID         string
	Name       string
	Location   string
	State      string
	Tags       []Tag
	Resources  []ResourceRow
	Accounts   []AccountRow
	AccountErr *Alert
	RefreshURL string
}

// Tag is one resource group tag.
type Tag struct{ Name, Value string }

// ResourceRow is one resource of the group.
type ResourceRow struct {
	Name     string
	Type     string
	Location string
	ID       string
	URL      string // set for storage accounts, which have a page
}

// AccountRow is one storage account in a list.
type AccountRow struct {
	Name         string
	Kind         string
	SKU          string
	Location     string
	BlobEndpoint string
	URL          string
}

// StorageAccountView is the storage account page.
type StorageAccountView struct {
	Account            AccountRow
	Keys               []KeyRow
	KeysErr            *Alert
	Containers         ContainerList
	CreateContainerURL string
}

// ContainerList is the containers table of an account, swapped alone by htmx.
type ContainerList struct {
	Account string
	Rows    []ContainerRow
	Err     *Alert
}

// KeyRow is one masked storage key.
type KeyRow struct {
	Name         string
	Permissions  string
	Masked       string
	Created      string
	CreatedExact string
}

// ContainerRow is one container in a list.
type ContainerRow struct {
	Name              string
	LastModified      string
	LastModifiedExact string
	URL               string
}

// Crumb is one step of a breadcrumb trail.
type Crumb struct{ Label, URL string }

// ContainerView is the container page: a folder level of its blobs.
type ContainerView struct {
	Account     string
	Container   string
	Prefix      string
	AccountURL  string
	Crumbs      []Crumb
	Listing     BlobListing
	UploadURL   string
	UploadedMsg string
}

// BlobListing is the table of folders and blobs, swapped alone by htmx.
type BlobListing struct {
	Folders []FolderRow
	Blobs   []BlobRow
	Total   int
	Page    int
	Pages   int
	PrevURL string
	NextURL string
	Sort    string
	SortURL map[string]string // column → URL sorting by it
	Empty   bool
}

// FolderRow is a virtual folder (a blob name prefix ending in "/").
type FolderRow struct{ Name, URL string }

// BlobRow is one blob in a listing.
type BlobRow struct {
	Name              string // relative to the folder shown
	FullName          string
	Size              string
	SizeExact         string
	ContentType       string
	LastModified      string
	LastModifiedExact string
	ETag              string
	MD5               string
	DownloadURL       string
	DeleteURL         string
	PropsURL          string
}

// BlobView is the properties page of one blob, like `az storage blob show`.
type BlobView struct {
	Account         string
	Container       string
	Name            string
	ContainerURL    string
	BlobType        string
	Size            string
	SizeExact       string
	ContentType     string
	ContentMD5      string
	ETag            string
	LastModified    string
	LastModifiedRaw string
	LeaseState      string
	ServerEncrypted string
	DownloadURL     string
	DeleteURL       string
}

// DoctorView is the checklist, on its page and summarised on the overview.
type DoctorView struct {
	Checks  []CheckRow
	Passed  int
	Failed  int
	Skipped int
	AllPass bool
	URL     string
}

// CheckRow is one doctor check.
type CheckRow struct{ Name, Status, Message, Hint string }

// Alert is an error or notice shown in place.
type Alert struct {
	Title   string
	Message string
	Hint    string
	Code    string
	Status  int
}

// ErrorView is a whole error page.
type ErrorView struct {
	Status int
	Title  string
	Alert  Alert
}
