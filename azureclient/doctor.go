package azureclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Names of the doctor's checks, in the contract's order.
const (
	CheckIdentityEndpoint = "identity endpoint reachable"
	CheckManagedIdentity  = "managed identity enabled"
	CheckARMToken         = "token for Azure Resource Manager"
	CheckScopeKnown       = "subscription and resource group known"
	CheckReader           = "Reader on the resource group"
	CheckAccountsListed   = "storage accounts listed"
	CheckKeysReadable     = "storage account keys readable"
	CheckBlobEndpoint     = "blob endpoint reachable"
)

// DoctorDeps are the clients the doctor checks. ARM is nil when the
// subscription or resource group is unknown; Blobs may be nil.
type DoctorDeps struct {
	Tokens       *TokenSource
	ARM          *ARM
	Blobs        *Blobs
	IMDSEndpoint string
	StorageAuth  string // "key" (default) or "aad"
	Logger       *slog.Logger
}

// Doctor runs the setup checklist of the contract against the live clients.
type Doctor struct {
	d   DoctorDeps
	log *slog.Logger
}

// NewDoctor returns a Doctor over d.
func NewDoctor(d DoctorDeps) *Doctor {
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if d.StorageAuth == "" {
		d.StorageAuth = StorageAuthKey
	}
	return &Doctor{d: d, log: log}
}

// doctorRun carries one run's results from check to check.
type doctorRun struct {
	checks   []Check
	accounts []StorageAccount
	keysOK   []StorageAccount // accounts whose keys could be read
}

// Run performs every check in order. A check whose prerequisite failed is
// reported as skipped, naming that prerequisite.
func (d *Doctor) Run(ctx context.Context) []Check {
	r := &doctorRun{}
	steps := []struct {
		name  string
		needs []string
		run   func(context.Context, *doctorRun) Check
	}{
		{CheckIdentityEndpoint, nil, nil},
		{CheckManagedIdentity, []string{CheckIdentityEndpoint}, nil},
		{CheckARMToken, []string{CheckManagedIdentity}, nil},
		{CheckScopeKnown, nil, d.checkScope},
		{CheckReader, []string{CheckARMToken, CheckScopeKnown}, d.checkReader},
		{CheckAccountsListed, []string{CheckReader}, d.checkAccounts},
		{CheckKeysReadable, []string{CheckAccountsListed}, d.checkKeys},
		{CheckBlobEndpoint, d.blobNeeds(), d.checkBlobs},
	}
	// The first three checks read one token fetch.
	identity := d.checkIdentity(ctx)
	for i, s := range steps {
		start := time.Now()
		var c Check
		if failed := r.firstNotPassed(s.needs); failed != "" {
			c = Check{Name: s.name, Status: CheckSkip, Message: "Skipped: needs " + doctorQuote(failed) + " to pass first."}
		} else if s.run == nil {
			c = identity[i]
		} else {
			c = s.run(ctx, r)
		}
		c.Name = s.name
		r.checks = append(r.checks, c)
		d.log.LogAttrs(ctx, slog.LevelInfo, "doctor check", slog.String("op", "doctor"), slog.String("check", c.Name),
			slog.String("status", c.Status), slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	}
	return r.checks
}

// blobNeeds are the blob check's prerequisites: keys in key mode, the
// account list in aad mode.
func (d *Doctor) blobNeeds() []string {
	if d.d.StorageAuth == StorageAuthAAD {
		return []string{CheckAccountsListed}
	}
	return []string{CheckKeysReadable}
}

// firstNotPassed returns the first of names that did not pass, or "".
func (r *doctorRun) firstNotPassed(names []string) string {
	for _, n := range names {
		for _, c := range r.checks {
			if c.Name == n && c.Status != CheckPass {
				return n
			}
		}
	}
	return ""
}

// doctorQuote quotes a check name for a message.
func doctorQuote(name string) string { return `"` + name + `"` }

// checkIdentity answers the first three checks from one ARM token fetch:
// whether the endpoint answered, whether it knows an identity, whether it
// gave a token.
func (d *Doctor) checkIdentity(ctx context.Context) [3]Check {
	var out [3]Check
	if d.d.Tokens == nil {
		out[0] = Check{Status: CheckFail, Message: "No token source is configured.", Hint: "Start msidash with --imds-endpoint (or --msi-endpoint) set."}
		out[1] = Check{Status: CheckSkip}
		out[2] = Check{Status: CheckSkip}
		return out
	}
	resource := ResourceARM
	if d.d.ARM != nil {
		resource = d.d.ARM.resource
	}
	endpoint := d.d.IMDSEndpoint
	if endpoint == "" {
		endpoint = d.d.Tokens.IMDSEndpoint()
	}
	if d.d.Tokens.Source() == SourceMSIExtension {
		endpoint = "the managed identity VM extension"
	}
	_, err := d.d.Tokens.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{resource + defaultScopeSuffix}})
	var e *Error
	errors.As(err, &e)
	kind := KindOf(err)

	switch {
	case err != nil && kind == KindUnavailable || err != nil && e == nil:
		out[0] = Check{Status: CheckFail, Message: fmt.Sprintf("The identity endpoint (%s) did not answer: %s", endpoint, doctorErrMessage(err)),
			Hint: doctorHintOr(e, "Run msidash on an Azure VM: IMDS at 169.254.169.254 answers only there, directly (no proxy). Check that no firewall rule blocks it.")}
	default:
		out[0] = Check{Status: CheckPass, Message: fmt.Sprintf("The identity endpoint (%s) answered.", endpoint)}
	}
	switch {
	case out[0].Status != CheckPass:
		// Run fills in the skip.
	case kind == KindNoIdentity:
		out[1] = Check{Status: CheckFail, Message: "The identity endpoint says: " + doctorErrMessage(err),
			Hint: doctorHintOr(e, "Azure portal: the VM > Identity > System assigned > On (or az vm identity assign -g <resource group> -n <vm name>).")}
	default:
		out[1] = Check{Status: CheckPass, Message: "The VM has a managed identity."}
	}
	switch {
	case out[1].Status != CheckPass:
	case err != nil:
		out[2] = Check{Status: CheckFail, Message: "No token for " + resource + ": " + doctorErrMessage(err),
			Hint: doctorHintOr(e, "Check --arm-resource (default "+ResourceARM+") and the identity selection (--client-id, --object-id, --msi-res-id).")}
	default:
		msg := "A token for " + resource + " was issued"
		if st, serr := d.d.Tokens.Status(ctx, resource); serr == nil {
			if !st.ExpiresOn.IsZero() {
				msg += ", valid until " + st.ExpiresOn.UTC().Format(time.RFC3339)
			}
			if st.Identity.ObjectID != "" {
				msg += ", object id " + st.Identity.ObjectID
			}
		}
		out[2] = Check{Status: CheckPass, Message: msg + "."}
	}
	return out
}

func (d *Doctor) checkScope(_ context.Context, _ *doctorRun) Check {
	if d.d.ARM == nil {
		return Check{Status: CheckFail, Message: "The subscription id or resource group is unknown (instance metadata did not give them).",
			Hint: "Pass --subscription-id and --resource-group (or MSIDASH_SUBSCRIPTION_ID and MSIDASH_RESOURCE_GROUP); on an Azure VM they come from IMDS instance metadata. Find them with: az vm show -g <rg> -n <vm> --query id"}
	}
	return Check{Status: CheckPass, Message: fmt.Sprintf("Subscription %s, resource group %s.", d.d.ARM.sub, d.d.ARM.rg)}
}

func (d *Doctor) checkReader(ctx context.Context, _ *doctorRun) Check {
	// Through the 30 s read cache: the overview runs the doctor on every
	// load. Failures are never cached, so a role just granted shows at once.
	g, err := d.d.ARM.ResourceGroup(ctx)
	if err != nil {
		return doctorFail(err)
	}
	return Check{Status: CheckPass, Message: fmt.Sprintf("Resource group %s read (%d resources).", g.Name, len(g.Resources))}
}

func (d *Doctor) checkAccounts(ctx context.Context, r *doctorRun) Check {
	list, err := d.d.ARM.StorageAccounts(ctx)
	if err != nil {
		return doctorFail(err)
	}
	if len(list) == 0 {
		return Check{Status: CheckFail, Message: "Resource group " + d.d.ARM.rg + " has no storage accounts.",
			Hint: "Create one in the portal (Storage accounts > Create, in resource group " + d.d.ARM.rg + ") or: az storage account create -g " + d.d.ARM.rg + " -n <name> --sku Standard_LRS"}
	}
	r.accounts = list
	noun := "storage accounts"
	if len(list) == 1 {
		noun = "storage account"
	}
	return Check{Status: CheckPass, Message: fmt.Sprintf("%d %s: %s.", len(list), noun, doctorAccountNames(list))}
}

func (d *Doctor) checkKeys(ctx context.Context, r *doctorRun) Check {
	var failed []string
	var hints []string
	for _, acc := range r.accounts {
		if _, err := d.d.ARM.ListKeys(ctx, acc.Name); err != nil {
			failed = append(failed, acc.Name+" ("+doctorErrMessage(err)+")")
			hints = doctorAppendHint(hints, err)
			continue
		}
		r.keysOK = append(r.keysOK, acc)
	}
	if len(failed) > 0 {
		return Check{Status: CheckFail, Message: "Keys not readable for " + strings.Join(failed, "; "), Hint: strings.Join(hints, "\n")}
	}
	return Check{Status: CheckPass, Message: "Keys readable for " + doctorAccountNames(r.accounts) + "."}
}

func (d *Doctor) checkBlobs(ctx context.Context, r *doctorRun) Check {
	if d.d.Blobs == nil {
		return Check{Status: CheckSkip, Message: "Skipped: no blob client."}
	}
	accounts := r.accounts
	if d.d.StorageAuth != StorageAuthAAD {
		accounts = r.keysOK
	}
	var failed []string
	var hints []string
	for _, acc := range accounts {
		err := d.d.Blobs.Probe(ctx, acc.Name)
		if err == nil {
			continue
		}
		failed = append(failed, acc.Name+" ("+doctorErrMessage(err)+")")
		if d.d.StorageAuth == StorageAuthAAD && KindOf(err) == KindForbidden {
			hints = doctorAppendText(hints, fmt.Sprintf("Grant the VM's identity Storage Blob Data Reader/Contributor on %s: az role assignment create --assignee %s --role \"Storage Blob Data Contributor\" --scope %s (portal: the storage account > Access control (IAM)). New assignments can take a few minutes to apply.",
				acc.Name, d.d.ARM.objectID(ctx), acc.ID))
			continue
		}
		hints = doctorAppendHint(hints, err)
	}
	if len(failed) > 0 {
		hint := strings.Join(hints, "\n")
		if hint == "" {
			hint = "Check the account's network rules (portal: the storage account > Networking) allow this VM, and that its blob endpoint resolves from the VM."
		}
		if d.d.StorageAuth == StorageAuthAAD && !strings.Contains(hint, "Storage Blob Data") {
			hint += "\nIn aad mode the identity also needs Storage Blob Data Reader/Contributor on each account."
		}
		return Check{Status: CheckFail, Message: "Blob endpoint not usable for " + strings.Join(failed, "; "), Hint: hint}
	}
	mode := "the account key"
	if d.d.StorageAuth == StorageAuthAAD {
		mode = "the identity's token"
	}
	return Check{Status: CheckPass, Message: fmt.Sprintf("Blob endpoint answered with %s for %s.", mode, doctorAccountNames(accounts))}
}

// doctorFail turns an azureclient error into a failed check.
func doctorFail(err error) Check {
	c := Check{Status: CheckFail, Message: doctorErrMessage(err)}
	var e *Error
	if errors.As(err, &e) {
		c.Hint = e.Hint
	}
	return c
}

// doctorErrMessage is the safe message of err: an *Error's Message, never a body.
func doctorErrMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if e != nil {
		return e.Error()
	}
	return "unexpected error"
}

func doctorHintOr(e *Error, fallback string) string {
	if e != nil && e.Hint != "" {
		return e.Hint
	}
	return fallback
}

func doctorAppendHint(hints []string, err error) []string {
	var e *Error
	if errors.As(err, &e) && e.Hint != "" {
		return doctorAppendText(hints, e.Hint)
	}
	return hints
}

// doctorAppendText adds s unless it is already there.
func doctorAppendText(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func doctorAccountNames(list []StorageAccount) string {
	names := make([]string, len(list))
	for i, a := range list {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}
