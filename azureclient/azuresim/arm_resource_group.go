package azuresim

import (
	"net/http"
	"strings"
)

// armResourceGroup is ARM's resource group representation (2021-04-01).
type armResourceGroup struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Type       string            `json:"type"`
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Properties struct {
		ProvisioningState string `json:"provisioningState"`
	} `json:"properties"`
}

// armGenericResource is one entry of GET .../resources.
type armGenericResource struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	Location string            `json:"location"`
	Kind     string            `json:"kind,omitempty"`
	Tags     map[string]string `json:"tags,omitempty"`
}

type armList[T any] struct {
	Value []T `json:"value"`
}

// requireRG answers 403 (no read right at the named group's scope) or 404
// ResourceGroupNotFound unless the path names the simulated group. As in
// ARM, the role check comes first: without a right at the scope a missing
// group is indistinguishable from a forbidden one.
func (s *Sim) requireRG(w http.ResponseWriter, req armRequest, action string) bool {
	name := req.seg[3]
	scope := "/subscriptions/" + req.seg[1] + "/resourceGroups/" + name
	if !s.authorize(w, req.claims, action, scope) {
		return false
	}
	if !strings.EqualFold(name, DefaultResourceGroup) {
		writeARMError(w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '"+name+"' could not be found.")
		return false
	}
	return true
}

// getResourceGroup answers GET /subscriptions/{sub}/resourcegroups/{rg}.
func (s *Sim) getResourceGroup(w http.ResponseWriter, req armRequest) {
	if !s.requireRG(w, req, actionRGRead) {
		return
	}
	rg := armResourceGroup{
		ID:       s.RGScope(),
		Name:     DefaultResourceGroup,
		Type:     "Microsoft.Resources/resourceGroups",
		Location: DefaultLocation,
		Tags:     map[string]string{"env": "demo", "owner": "msidash"},
	}
	rg.Properties.ProvisioningState = "Succeeded"
	writeARM(w, rg)
}

// listResources answers GET /subscriptions/{sub}/resourcegroups/{rg}/resources:
// the VM with its NIC and OS disk, the user-assigned identity and the storage accounts.
func (s *Sim) listResources(w http.ResponseWriter, req armRequest) {
	if !s.requireRG(w, req, actionResourcesRead) {
		return
	}
	rg := s.RGScope()
	list := []armGenericResource{
		{ID: vmID(DefaultSubscriptionID, DefaultResourceGroup, DefaultVMName), Name: DefaultVMName,
			Type: "Microsoft.Compute/virtualMachines", Location: DefaultLocation, Tags: map[string]string{"env": "demo"}},
		{ID: rg + "/providers/Microsoft.Compute/disks/" + DefaultVMName + "_OsDisk_1", Name: DefaultVMName + "_OsDisk_1",
			Type: "Microsoft.Compute/disks", Location: DefaultLocation},
		{ID: rg + "/providers/Microsoft.Network/networkInterfaces/" + DefaultVMName + "-nic", Name: DefaultVMName + "-nic",
			Type: "Microsoft.Network/networkInterfaces", Location: DefaultLocation},
		{ID: rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/msidash-uai", Name: "msidash-uai",
			Type: "Microsoft.ManagedIdentity/userAssignedIdentities", Location: DefaultLocation},
	}
	s.mu.Lock()
	for _, a := range s.accounts {
		list = append(list, armGenericResource{ID: s.AccountScope(a.name), Name: a.name,
			Type: "Microsoft.Storage/storageAccounts", Location: DefaultLocation, Kind: "StorageV2"})
	}
	s.mu.Unlock()
	writeARM(w, armList[armGenericResource]{Value: list})
}
