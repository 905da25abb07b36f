package azuresim

import (
	"net/http"
	"strings"
	"time"
)

// armStorageAccount is ARM's storage account representation (2024-01-01),
// the fields msidash reads and a few more for realism.
type armStorageAccount struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Kind       string            `json:"kind"`
	SKU        armSKU            `json:"sku"`
	Tags       map[string]string `json:"tags"`
	Properties armStorageProps   `json:"properties"`
}

type armSKU struct {
	Name string `json:"name"`
	Tier string `json:"tier"`
}

type armStorageProps struct {
	ProvisioningState        string            `json:"provisioningState"`
	CreationTime             string            `json:"creationTime"`
	PrimaryLocation          string            `json:"primaryLocation"`
	StatusOfPrimary          string            `json:"statusOfPrimary"`
	AccessTier               string            `json:"accessTier"`
	AllowSharedKeyAccess     bool              `json:"allowSharedKeyAccess"`
	MinimumTLSVersion        string            `json:"minimumTlsVersion"`
	SupportsHTTPSTrafficOnly bool              `json:"supportsHttpsTrafficOnly"`
	KeyCreationTime          map[string]string `json:"keyCreationTime"`
	PrimaryEndpoints         armEndpoints      `json:"primaryEndpoints"`
}

type armEndpoints struct {
	Blob  string `json:"blob"`
	DFS   string `json:"dfs"`
	File  string `json:"file"`
	Queue string `json:"queue"`
	Table string `json:"table"`
	Web   string `json:"web"`
}

// armKey is one entry of listKeys.
type armKey struct {
	KeyName      string `json:"keyName"`
	Value        string `json:"value"`
	Permissions  string `json:"permissions"`
	CreationTime string `json:"creationTime"`
}

type armKeys struct {
	Keys []armKey `json:"keys"`
}

// armTimestamp formats times as ARM does in bodies (RFC 3339, 7 fraction digits).
func armTimestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// view renders an account; callers hold s.mu.
func (s *Sim) view(a *account) armStorageAccount {
	blob := a.blobEndpoint
	if blob == "" {
		blob = "https://" + a.name + ".blob.core.windows.net/"
	}
	// ARM's endpoints always end in "/"; clients must cope with it.
	if !strings.HasSuffix(blob, "/") {
		blob += "/"
	}
	host := func(svc string) string { return "https://" + a.name + "." + svc + ".core.windows.net/" }
	return armStorageAccount{
		ID:       s.AccountScope(a.name),
		Name:     a.name,
		Type:     "Microsoft.Storage/storageAccounts",
		Location: DefaultLocation,
		Kind:     "StorageV2",
		SKU:      armSKU{Name: "Standard_LRS", Tier: "Standard"},
		Tags:     map[string]string{},
		Properties: armStorageProps{
			ProvisioningState:        "Succeeded",
			CreationTime:             armTimestamp(s.created),
			PrimaryLocation:          DefaultLocation,
			StatusOfPrimary:          "available",
			AccessTier:               "Hot",
			AllowSharedKeyAccess:     true,
			MinimumTLSVersion:        "TLS1_2",
			SupportsHTTPSTrafficOnly: true,
			KeyCreationTime:          map[string]string{"key1": armTimestamp(a.key1Created), "key2": armTimestamp(a.key2Created)},
			PrimaryEndpoints: armEndpoints{
				Blob: blob, DFS: host("dfs"), File: host("file"), Queue: host("queue"), Table: host("table"), Web: host("web"),
			},
		},
	}
}

// listStorageAccounts answers GET .../resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts.
func (s *Sim) listStorageAccounts(w http.ResponseWriter, req armRequest) {
	if !s.requireRG(w, req, actionStorageRead) {
		return
	}
	s.mu.Lock()
	list := make([]armStorageAccount, 0, len(s.accounts))
	for _, a := range s.accounts {
		list = append(list, s.view(a))
	}
	s.mu.Unlock()
	writeARM(w, armList[armStorageAccount]{Value: list})
}

// requireAccount answers 403 without the right at the account's scope, or
// 404 ResourceGroupNotFound / ResourceNotFound, else returns the account's name.
func (s *Sim) requireAccount(w http.ResponseWriter, req armRequest, action string) (*account, bool) {
	rg, name := req.seg[3], req.seg[7]
	scope := "/subscriptions/" + req.seg[1] + "/resourceGroups/" + rg + "/providers/Microsoft.Storage/storageAccounts/" + name
	if !s.authorize(w, req.claims, action, scope) {
		return nil, false
	}
	if !strings.EqualFold(rg, DefaultResourceGroup) {
		writeARMError(w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '"+rg+"' could not be found.")
		return nil, false
	}
	s.mu.Lock()
	a := s.lookup(name)
	s.mu.Unlock()
	if a == nil {
		writeARMError(w, http.StatusNotFound, "ResourceNotFound",
			"The Resource 'Microsoft.Storage/storageAccounts/"+name+"' under resource group '"+rg+
				"' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
		return nil, false
	}
	return a, true
}

// getStorageAccount answers GET .../storageAccounts/{name}.
func (s *Sim) getStorageAccount(w http.ResponseWriter, req armRequest) {
	a, ok := s.requireAccount(w, req, actionStorageRead)
	if !ok {
		return
	}
	s.mu.Lock()
	v := s.view(a)
	s.mu.Unlock()
	writeARM(w, v)
}

// listKeys answers POST .../storageAccounts/{name}/listKeys.
func (s *Sim) listKeys(w http.ResponseWriter, req armRequest) {
	a, ok := s.requireAccount(w, req, actionStorageListKeys)
	if !ok {
		return
	}
	s.mu.Lock()
	keys := armKeys{Keys: []armKey{
		{KeyName: "key1", Value: a.key1, Permissions: "FULL", CreationTime: armTimestamp(a.key1Created)},
		{KeyName: "key2", Value: a.key2, Permissions: "FULL", CreationTime: armTimestamp(a.key2Created)},
	}}
	s.mu.Unlock()
	writeARM(w, keys)
}
