package azureclient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
)

const armKeysPrefix = "keys/"

// armKeys is the cache entry of one account's keys. The masked list is all
// that leaves the package; signingKey, the whole FULL key, is read only by
// sharedKey to build a Shared Key credential.
type armKeys struct {
	masked     []AccountKey
	signingKey string
}

// ListKeys returns the account's keys, masked, as listKeys gives them.
// listKeys is a POST that counts against ARM's write limits, so the keys are
// cached for five minutes. Needs Storage Account Key Operator Service Role
// on the account (or Contributor/Owner on the group).
func (a *ARM) ListKeys(ctx context.Context, account string) ([]AccountKey, error) {
	k, err := a.keys(ctx, account)
	if err != nil {
		return nil, err
	}
	return append([]AccountKey(nil), k.masked...), nil
}

// sharedKey returns the account's blob endpoint and a Shared Key credential
// signed with its first FULL key.
func (a *ARM) sharedKey(ctx context.Context, account string) (string, *azblob.SharedKeyCredential, error) {
	const op = "arm.sharedKey"
	sa, err := a.StorageAccount(ctx, account)
	if err != nil {
		return "", nil, err
	}
	if sa.BlobEndpoint == "" {
		return "", nil, &Error{Op: op, Kind: KindUpstream,
			Message: fmt.Sprintf("Storage account %q has no blob endpoint (properties.primaryEndpoints.blob is empty).", account),
			Hint:    "Use a StorageV2 or BlobStorage account: az storage account show -n " + account + " -g " + a.rg + " --query primaryEndpoints"}
	}
	k, err := a.keys(ctx, account)
	if err != nil {
		return "", nil, err
	}
	cred, err := azblob.NewSharedKeyCredential(account, k.signingKey)
	if err != nil {
		// The SDK's message is about base64 decoding and holds no key.
		return "", nil, &Error{Op: op, Kind: KindUpstream, Message: fmt.Sprintf("The key ARM gave for storage account %q is not valid base64.", account)}
	}
	return sa.BlobEndpoint, cred, nil
}

// forgetKeys drops the account's cached keys, so the next use fetches them
// again (after a rotation made the cached one fail).
func (a *ARM) forgetKeys(account string) {
	a.cache.Delete(armKeysPrefix + account)
}

func (a *ARM) keys(ctx context.Context, account string) (armKeys, error) {
	if err := ValidateAccountName(account); err != nil {
		return armKeys{}, err
	}
	return cached(ctx, a, armKeysPrefix+account, armKeysTTL, func(ctx context.Context) (armKeys, error) {
		return a.fetchKeys(ctx, account)
	})
}

func (a *ARM) fetchKeys(ctx context.Context, account string) (armKeys, error) {
	const op = "arm.ListKeys"
	start := time.Now()
	t := armTarget{
		what:    "read the keys of storage account " + account,
		role:    RoleKeyOperator,
		scope:   a.accountID(account),
		account: account,
	}
	resp, err := a.accounts.ListKeys(ctx, a.rg, account, nil)
	if err != nil {
		err = a.armError(ctx, op, err, t)
		a.logCall(ctx, op, start, err)
		return armKeys{}, err
	}
	// Register every key before anything else can log or return it.
	for _, k := range resp.Keys {
		if k != nil {
			a.redactor.Add(armVal(k.Value))
		}
	}
	var out armKeys
	var readOnly string
	for _, k := range resp.Keys {
		if k == nil || armVal(k.Value) == "" {
			continue
		}
		perm := ""
		if k.Permissions != nil {
			perm = strings.ToUpper(string(*k.Permissions))
		}
		out.masked = append(out.masked, AccountKey{
			Name:        armVal(k.KeyName),
			Permissions: perm,
			Masked:      maskKey(*k.Value),
			Created:     armVal(k.CreationTime),
		})
		switch {
		case perm == "FULL" && out.signingKey == "":
			out.signingKey = *k.Value
		case readOnly == "":
			readOnly = *k.Value
		}
	}
	if out.signingKey == "" {
		// Only READ keys (or no permission given): sign with what there is;
		// Azure will refuse writes, which is the truth to report.
		out.signingKey = readOnly
	}
	if len(out.masked) == 0 {
		err := &Error{Op: op, Kind: KindUpstream,
			Message: fmt.Sprintf("Azure Resource Manager returned no keys for storage account %q.", account),
			Hint:    "Check the account in the portal (Security + networking > Access keys); Shared Key access may be disabled, then use --storage-auth aad."}
		a.logCall(ctx, op, start, err)
		return armKeys{}, err
	}
	a.logCall(ctx, op, start, nil)
	return out, nil
}

// maskKey keeps at most the first and last 4 characters of a key. Keys too
// short for that to hide anything are masked entirely.
func maskKey(key string) string {
	if len(key) < 16 {
		return "…"
	}
	return key[:4] + "…" + key[len(key)-4:]
}
