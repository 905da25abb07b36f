package azureclient

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// IMDS instance metadata protocol. https://learn.microsoft.com/azure/virtual-machines/instance-metadata-service
const (
	instancePath           = "/metadata/instance"
	instanceAPIVersion     = "2021-02-01"
	instanceMetadataHeader = "Metadata"
)

// InstanceOptions configures GetInstance. Nil means defaults.
type InstanceOptions struct {
	ClientOptions azcore.ClientOptions // Transport and Retry overrides for tests
	Logger        *slog.Logger
}

// instanceResponse is the part of /metadata/instance msidash reads.
type instanceResponse struct {
	Compute struct {
		Name              string `json:"name"`
		VMID              string `json:"vmId"`
		SubscriptionID    string `json:"subscriptionId"`
		ResourceGroupName string `json:"resourceGroupName"`
		Location          string `json:"location"`
	} `json:"compute"`
}

// GetInstance reads the VM's name, id, subscription, resource group and
// location from IMDS instance metadata, bypassing any proxy.
func GetInstance(ctx context.Context, imdsEndpoint string, opts *InstanceOptions) (Instance, error) {
	const op = "imds.Instance"
	if opts == nil {
		opts = &InstanceOptions{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	endpoint := strings.TrimRight(imdsEndpoint, "/")
	if endpoint == "" {
		endpoint = defaultIMDSEndpoint
	}
	start := time.Now()

	co := opts.ClientOptions
	co.Retry = instanceRetryOptions(co.Retry)
	if co.Transport == nil {
		co.Transport = newIMDSHTTPClient() // no proxy, no redirects
	}
	co.Transport = headerGuard{next: co.Transport}
	pl := runtime.NewPipeline("msidash", "v1", runtime.PipelineOptions{}, &co)

	req, err := runtime.NewRequest(ctx, http.MethodGet, endpoint+instancePath+"?api-version="+instanceAPIVersion)
	if err != nil {
		return Instance{}, &Error{Op: op, Kind: KindInvalid, Message: "The IMDS endpoint " + endpoint + " is not a valid URL.",
			Hint: "Fix --imds-endpoint (default " + defaultIMDSEndpoint + ").", Err: err}
	}
	// IMDS rejects requests without it: the SSRF guard.
	req.Raw().Header.Set(headerMetadata, "true")

	resp, err := pl.Do(req)
	if err == nil && !runtime.HasStatusCode(resp, http.StatusOK) {
		err = runtime.NewResponseError(resp)
	}
	if err != nil {
		err = instanceError(op, endpoint, err)
		log.LogAttrs(ctx, slog.LevelWarn, "imds instance failed", slog.String("op", op),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()), slog.String("error", err.Error()))
		return Instance{}, err
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return Instance{}, instanceError(op, endpoint, err)
	}
	var ir instanceResponse
	if err := json.Unmarshal(body, &ir); err != nil || ir.Compute.SubscriptionID == "" {
		return Instance{}, &Error{Op: op, Kind: KindUpstream, Status: resp.StatusCode,
			Message: "The IMDS endpoint " + endpoint + " answered, but not with instance metadata.",
			Hint:    "Something other than IMDS answers at --imds-endpoint; or pass --subscription-id and --resource-group."}
	}
	log.LogAttrs(ctx, slog.LevelDebug, "imds instance", slog.String("op", op),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
	return Instance{
		VMName:         ir.Compute.Name,
		VMID:           ir.Compute.VMID,
		SubscriptionID: ir.Compute.SubscriptionID,
		ResourceGroup:  ir.Compute.ResourceGroupName,
		Location:       ir.Compute.Location,
	}, nil
}

func instanceError(op, endpoint string, err error) error {
	e, ok := classify(op, err).(*Error)
	if !ok {
		return err
	}
	if e.Kind == KindUnavailable {
		e.Message = "The instance metadata endpoint " + endpoint + " could not be reached."
		e.Hint = "msidash reads IMDS on an Azure VM. Elsewhere pass --subscription-id and --resource-group, or point --imds-endpoint at the simulator."
	} else {
		e.Hint = "Check --imds-endpoint; IMDS answers only on an Azure VM, and only without a proxy."
	}
	return e
}

// instanceRetryOptions fills unset fields with IMDS's retry guidance (404,
// 410, 429 and 5xx are transient; back off at least a second). Startup
// waits on this call, so the budget is smaller than a token fetch's.
// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#error-handling
func instanceRetryOptions(o policy.RetryOptions) policy.RetryOptions {
	if o.MaxRetries == 0 {
		o.MaxRetries = 3
	}
	if o.RetryDelay == 0 {
		o.RetryDelay = time.Second
	}
	if o.MaxRetryDelay == 0 {
		o.MaxRetryDelay = 10 * time.Second
	}
	if o.TryTimeout == 0 {
		o.TryTimeout = 5 * time.Second
	}
	if o.StatusCodes == nil {
		o.StatusCodes = imdsRetryStatusCodes
	}
	return o
}
