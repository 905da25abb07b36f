package azuresim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/storage/armstorage"
)

// simCredential gets tokens from the simulator's IMDS endpoint over HTTP, so
// the real SDK clients run against it end to end. resource overrides the
// one the scope names.
type simCredential struct{ base, resource string }

func (c simCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	resource := strings.TrimSuffix(o.Scopes[0], "/.default")
	if c.resource != "" {
		resource = c.resource
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+tokenURL(resource), nil)
	req.Header.Set("Metadata", "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != 200 {
		return azcore.AccessToken{}, errors.New("token: " + resp.Status)
	}
	exp, _ := strconv.ParseInt(tr.ExpiresOn, 10, 64)
	return azcore.AccessToken{Token: tr.AccessToken, ExpiresOn: time.Unix(exp, 0)}, nil
}

func sdkOptions(base string) *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: base, Audience: "https://management.azure.com/"},
		}},
		InsecureAllowCredentialWithHTTP: true,
		Retry:                           policy.RetryOptions{MaxRetries: -1},
	}}
}

// TestSim_SDKClients runs armresources v1.2.0 and armstorage v1.8.1 against
// the simulator: their paths, api-versions and JSON must fit.
func TestSim_SDKClients(t *testing.T) {
	s := Start(t, WithAccounts(Account{Name: DefaultAccount, BlobEndpoint: "http://127.0.0.1:10000/msidashdemo"}))
	cred := simCredential{base: s.URL()}
	ctx := context.Background()

	groups, err := armresources.NewResourceGroupsClient(DefaultSubscriptionID, cred, sdkOptions(s.URL()))
	if err != nil {
		t.Fatal(err)
	}
	rg, err := groups.Get(ctx, DefaultResourceGroup, nil)
	if err != nil {
		t.Fatalf("resource group: %v", err)
	}
	if *rg.Name != DefaultResourceGroup || *rg.Properties.ProvisioningState != "Succeeded" {
		t.Errorf("group %+v", rg)
	}

	resources, _ := armresources.NewClient(DefaultSubscriptionID, cred, sdkOptions(s.URL()))
	pager := resources.NewListByResourceGroupPager(DefaultResourceGroup, nil)
	var n int
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("resources: %v", err)
		}
		n += len(page.Value)
	}
	if n < 2 {
		t.Errorf("%d resources", n)
	}

	accounts, _ := armstorage.NewAccountsClient(DefaultSubscriptionID, cred, sdkOptions(s.URL()))
	ap := accounts.NewListByResourceGroupPager(DefaultResourceGroup, nil)
	page, err := ap.NextPage(ctx)
	if err != nil {
		t.Fatalf("accounts: %v", err)
	}
	if len(page.Value) != 1 || *page.Value[0].Properties.PrimaryEndpoints.Blob != "http://127.0.0.1:10000/msidashdemo/" ||
		*page.Value[0].SKU.Name != armstorage.SKUNameStandardLRS {
		t.Errorf("accounts %+v", page.Value)
	}
	keys, err := accounts.ListKeys(ctx, DefaultResourceGroup, DefaultAccount, nil)
	if err != nil {
		t.Fatalf("listKeys: %v", err)
	}
	if len(keys.Keys) != 2 || *keys.Keys[0].Value != DemoKey1 || !strings.EqualFold(string(*keys.Keys[0].Permissions), string(armstorage.KeyPermissionFull)) {
		t.Errorf("keys %+v", keys.Keys)
	}

	s.RevokeRole(RoleKeyOperator, s.AccountScope(DefaultAccount))
	_, err = accounts.ListKeys(ctx, DefaultResourceGroup, DefaultAccount, nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 403 || re.ErrorCode != "AuthorizationFailed" {
		t.Errorf("after RevokeRole: %v", err)
	}
	_, err = accounts.GetProperties(ctx, DefaultResourceGroup, "nosuch", nil)
	if !errors.As(err, &re) || re.StatusCode != 404 || re.ErrorCode != "ResourceNotFound" {
		t.Errorf("missing account: %v", err)
	}
}
