package azureclient

import (
	"context"
	"fmt"
	"time"
)

const armAccountsKey = "accounts"

// StorageAccounts lists the storage accounts of the resource group. Needs
// Reader on the group.
func (a *ARM) StorageAccounts(ctx context.Context) ([]StorageAccount, error) {
	list, err := cached(ctx, a, armAccountsKey, a.ttl, a.fetchStorageAccounts)
	if err != nil {
		return nil, err
	}
	// A copy, so no caller can change what the cache holds.
	return append([]StorageAccount(nil), list...), nil
}

// StorageAccount returns one storage account of the resource group, or
// KindNotFound naming it when the group has no such account.
func (a *ARM) StorageAccount(ctx context.Context, name string) (StorageAccount, error) {
	const op = "arm.StorageAccount"
	if err := ValidateAccountName(name); err != nil {
		return StorageAccount{}, err
	}
	list, err := cached(ctx, a, armAccountsKey, a.ttl, a.fetchStorageAccounts)
	if err != nil {
		return StorageAccount{}, err
	}
	for _, acc := range list {
		if acc.Name == name {
			return acc, nil
		}
	}
	return StorageAccount{}, &Error{
		Op:      op,
		Kind:    KindNotFound,
		Code:    "ResourceNotFound",
		Message: fmt.Sprintf("Storage account %q was not found in resource group %s.", name, a.rg),
		Hint:    fmt.Sprintf("Check the name, or list the accounts: az storage account list -g %s -o table", a.rg),
	}
}

func (a *ARM) fetchStorageAccounts(ctx context.Context) ([]StorageAccount, error) {
	const op = "arm.StorageAccounts"
	start := time.Now()
	t := armTarget{what: "list the storage accounts of resource group " + a.rg, role: RoleReader, scope: a.rgID()}

	out := []StorageAccount{}
	pager := a.accounts.NewListByResourceGroupPager(a.rg, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			err = a.armError(ctx, op, err, t)
			a.logCall(ctx, op, start, err)
			return nil, err
		}
		for _, acc := range page.Value {
			if acc == nil {
				continue
			}
			sa := StorageAccount{
				Name:     armVal(acc.Name),
				ID:       armVal(acc.ID),
				Location: armVal(acc.Location),
			}
			if acc.Kind != nil {
				sa.Kind = string(*acc.Kind)
			}
			if acc.SKU != nil && acc.SKU.Name != nil {
				sa.SKU = string(*acc.SKU.Name)
			}
			// The blob endpoint is whatever ARM says it is: sovereign clouds,
			// Azurite and private endpoints all differ from *.blob.core.windows.net.
			if acc.Properties != nil && acc.Properties.PrimaryEndpoints != nil {
				sa.BlobEndpoint = armVal(acc.Properties.PrimaryEndpoints.Blob)
			}
			out = append(out, sa)
		}
	}
	a.logCall(ctx, op, start, nil)
	return out, nil
}

// ValidateAccountName checks a storage account name against Azure's rule:
// 3 to 24 lowercase letters and digits.
func ValidateAccountName(name string) error {
	ok := len(name) >= 3 && len(name) <= 24
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if ok {
		return nil
	}
	return &Error{
		Op:      "ValidateAccountName",
		Kind:    KindInvalid,
		Code:    "InvalidAccountName",
		Message: "A storage account name has 3 to 24 characters, lowercase letters and digits only.",
	}
}
