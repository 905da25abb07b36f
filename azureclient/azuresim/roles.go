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

// roleActions lists, per built-in role, the checked actions it allows
// (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roleActions = map[string][]string{
	strings.ToLower(RoleOwner):              {"*"},
	strings.ToLower(RoleContributor):        {"*"},
	strings.ToLower(RoleReader):             {actionRGRead, actionResourcesRead, actionStorageRead},
	strings.ToLower(RoleKeyOperator):        {actionStorageListKeys},
	strings.ToLower(RoleStorageContributor): {actionRGRead, actionStorageRead, actionStorageListKeys},
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
		for _, a := range roleActions[k.role] {
			if a == "*" || strings.EqualFold(a, action) {
				return true
			}
		}
	}
	return false
}
