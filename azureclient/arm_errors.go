package azureclient

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Roles msidash needs, by their built-in names.
const (
	RoleReader             = "Reader"
	RoleKeyOperator        = "Storage Account Key Operator Service Role"
	actionListKeys         = "Microsoft.Storage/storageAccounts/listkeys/action"
	objectIDPlaceholder    = "<object id>"
	armStatusLookupTimeout = 3 * time.Second
)

// armTarget says what an ARM call was after, so its failure can name it.
type armTarget struct {
	what    string // "read resource group msidash-demo", shown after "could not "
	role    string // the role the call needs
	scope   string // where the role is needed
	account string // the storage account, "" for group-level calls
}

// armError turns the result of an SDK call into an *Error that names what
// failed and, for a 403, the role, scope and az command that fix it.
func (a *ARM) armError(ctx context.Context, op string, err error, t armTarget) error {
	if err == nil {
		return nil
	}
	var e *Error
	if !errors.As(classify(op, err), &e) {
		return err
	}
	if e.Op == "" || e.Op == "arm" {
		e.Op = op
	}
	switch e.Kind {
	case KindForbidden:
		e.Role, e.Scope = t.role, t.scope
		e.Message = fmt.Sprintf("The VM's managed identity may not %s: it lacks the %s role on %s.", t.what, t.role, t.scope)
		e.Hint = a.roleHint(ctx, t.role, t.scope)
		if t.role == RoleKeyOperator {
			e.Hint += " The role grants the action " + actionListKeys + " (Contributor or Owner on the resource group also do)."
		}
		e.Hint += " New role assignments can take a few minutes to apply; then reload."
	case KindNotFound:
		if t.account != "" && e.Code != "ResourceGroupNotFound" {
			e.Message = fmt.Sprintf("Storage account %q was not found in resource group %s.", t.account, a.rg)
			e.Hint = fmt.Sprintf("Check the name, or list the accounts: az storage account list -g %s -o table", a.rg)
		} else {
			e.Message = fmt.Sprintf("Resource group %q was not found in subscription %s.", a.rg, a.sub)
			e.Hint = fmt.Sprintf("Check --resource-group and --subscription-id, or create it: az group create -n %s -l <location>", a.rg)
		}
	case KindUnauthorized:
		e.Message = fmt.Sprintf("Azure Resource Manager refused the managed identity's token while trying to %s.", t.what)
		e.Hint = "The token was fetched again once and still refused. Check that --arm-resource matches --arm-endpoint and that the VM's clock is right."
	case KindThrottled:
		e.Message = fmt.Sprintf("Azure Resource Manager is throttling requests; could not %s.", t.what)
		e.Hint = "Wait a minute and reload. Subscription-wide ARM limits are shared with every other client."
	case KindUnavailable:
		if e.Err != nil && (errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded)) {
			e.Message = fmt.Sprintf("Azure Resource Manager did not answer in time; could not %s.", t.what)
		} else {
			e.Message = fmt.Sprintf("Azure Resource Manager at %s could not be reached; could not %s.", a.endpoint, t.what)
		}
		e.Hint = "Check the VM's outbound network (NSG, firewall, proxy) to " + a.endpoint + ", or --arm-endpoint."
	default:
		e.Message = fmt.Sprintf("Azure Resource Manager answered with an error; could not %s (%s).", t.what, statusMessage(e.Status, e.Code))
	}
	return e
}

// roleHint is the portal and az CLI instruction that grants role on scope.
func (a *ARM) roleHint(ctx context.Context, role, scope string) string {
	return fmt.Sprintf("Grant the VM's identity the %s role on %s: az role assignment create --assignee %s --role %q --scope %s (portal: the resource's Access control (IAM) > Add role assignment > %s > Managed identity).",
		role, scope, a.objectID(ctx), role, scope, role)
}

// objectID is the identity's object id from the token's claims, or a
// placeholder the admin fills in when it is not known.
func (a *ARM) objectID(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), armStatusLookupTimeout)
	defer cancel()
	st, err := a.tokens.Status(ctx, a.resource)
	if err != nil || st.Identity.ObjectID == "" {
		return objectIDPlaceholder
	}
	return st.Identity.ObjectID
}
