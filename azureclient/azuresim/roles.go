package azuresim

import (
	"strings"
)

// roleKey is one role assignment. The simulator assigns roles to both VM
// identities alike, so the principal is not part of the key.
type roleKey struct{ role, scope string }

func newRoleKey(role, scope string) roleKey {
	return roleKey{role: strings.ToLower(role), scope: strings.ToLower(strings.TrimRight(scope, "/"))}
}

// ARM actions the simulator checks.
const (
	actionRGRead          = "Microsoft.Resources/subscriptions/resourceGroups/read"
	actionResourcesRead   = "Microsoft.Resources/subscriptions/resourceGroups/resources/read"
	actionStorageRead     = "Microsoft.Storage/storageAccounts/read"
	actionStorageListKeys = "Microsoft.Storage/storageAccounts/listkeys/action"
)

// roleAllows reports whether a built-in role allows one of the checked
// actions (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
// role is lower-cased.
func roleAllows(role, action string) bool {
	var actions []string
	switch role {
	case strings.ToLower(RoleOwner), strings.ToLower(RoleContributor):
		return true
	case strings.ToLower(RoleReader):
		actions = []string{actionRGRead, actionResourcesRead, actionStorageRead}
	case strings.ToLower(RoleKeyOperator):
		actions = []string{actionStorageListKeys}
	case strings.ToLower(RoleStorageContributor):
		actions = []string{actionRGRead, actionStorageRead, actionStorageListKeys}
	}
	for _, a := range actions {
		if strings.EqualFold(a, action) {
			return true
		}
	}
	return false
}

// SubscriptionScope returns the subscription's scope. Grant Reader here to
// see 404 ResourceGroupNotFound for a missing group instead of 403.
func (s *Sim) SubscriptionScope() string { return "/subscriptions/" + DefaultSubscriptionID }

// RGScope returns the resource group's scope (its resource id).
func (s *Sim) RGScope() string {
	return s.SubscriptionScope() + "/resourceGroups/" + DefaultResourceGroup
}

// AccountScope returns a storage account's scope (its resource id).
func (s *Sim) AccountScope(name string) string {
	return s.RGScope() + "/providers/Microsoft.Storage/storageAccounts/" + name
}

// RevokeRole removes a role assignment (role name as in Azure, e.g. "Reader")
// at exactly scope from both VM identities. Assignments at other scopes stay.
func (s *Sim) RevokeRole(role, scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.roles, newRoleKey(role, scope))
}

// GrantRole assigns role at scope to both VM identities.
func (s *Sim) GrantRole(role, scope string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[newRoleKey(role, scope)] = true
}

// allowed reports whether an assignment at scope or any parent scope grants action.
func (s *Sim) allowed(action, scope string) bool {
	scope = strings.ToLower(scope)
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.roles {
		if scope != k.scope && !strings.HasPrefix(scope, k.scope+"/") {
			continue
		}
		if roleAllows(k.role, action) {
			return true
		}
	}
	return false
}
