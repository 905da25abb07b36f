package handlers

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

type resourceGroupJSON struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Location          string            `json:"location"`
	ProvisioningState string            `json:"provisioning_state"`
	Tags              map[string]string `json:"tags"`
	Resources         []resourceJSON    `json:"resources"`
}

type resourceJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Location string `json:"location"`
}

type storageAccountsJSON struct {
	StorageAccounts []storageAccountJSON `json:"storage_accounts"`
}

type storageAccountJSON struct {
	Name         string `json:"name"`
	ID           string `json:"id"`
	Location     string `json:"location"`
	Kind         string `json:"kind"`
	SKU          string `json:"sku"`
	BlobEndpoint string `json:"blob_endpoint"`
}

func (h *Handlers) apiResourceGroup(c echo.Context) error {
	g, err := h.arm.ResourceGroup(c.Request().Context())
	if err != nil {
		return err
	}
	out := resourceGroupJSON{ID: g.ID, Name: g.Name, Location: g.Location, ProvisioningState: g.ProvisioningState,
		Tags: g.Tags, Resources: make([]resourceJSON, 0, len(g.Resources))}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	for _, r := range g.Resources {
		out.Resources = append(out.Resources, resourceJSON{ID: r.ID, Name: r.Name, Type: r.Type, Location: r.Location})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) apiStorageAccounts(c echo.Context) error {
	accounts, err := h.arm.StorageAccounts(c.Request().Context())
	if err != nil {
		return err
	}
	out := storageAccountsJSON{StorageAccounts: make([]storageAccountJSON, 0, len(accounts))}
	for _, a := range accounts {
		out.StorageAccounts = append(out.StorageAccounts, storageAccountJSON{
			Name: a.Name, ID: a.ID, Location: a.Location, Kind: a.Kind, SKU: a.SKU, BlobEndpoint: a.BlobEndpoint,
		})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) resourceGroupPage(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := h.arm.ResourceGroup(ctx)
	if err != nil {
		return err
	}
	accounts, accErr := h.arm.StorageAccounts(ctx)
	return render(c, http.StatusOK, web.ResourceGroupPage(newResourceGroupView(g, accounts, accErr)))
}

// refreshPage drops cached ARM reads, for the "Reload from Azure" button.
func (h *Handlers) refreshPage(c echo.Context) error {
	h.arm.Forget()
	return redirectAfterPost(c, web.ResourceGroupPath())
}

func newResourceGroupView(g azureclient.ResourceGroup, accounts []azureclient.StorageAccount, accErr error) web.ResourceGroupView {
	v := web.ResourceGroupView{
		ID: g.ID, Name: g.Name, Location: g.Location, State: g.ProvisioningState,
		Accounts: newAccountRows(accounts), AccountErr: alertFor(accErr), RefreshURL: web.RefreshPath(),
	}
	for k, val := range g.Tags {
		v.Tags = append(v.Tags, web.Tag{Name: k, Value: val})
	}
	sort.Slice(v.Tags, func(i, j int) bool { return v.Tags[i].Name < v.Tags[j].Name })
	for _, r := range g.Resources {
		row := web.ResourceRow{Name: r.Name, Type: r.Type, Location: r.Location, ID: r.ID}
		if strings.EqualFold(r.Type, "Microsoft.Storage/storageAccounts") {
			row.URL = web.AccountPath(r.Name)
		}
		v.Resources = append(v.Resources, row)
	}
	return v
}

func newAccountRows(accounts []azureclient.StorageAccount) []web.AccountRow {
	rows := make([]web.AccountRow, 0, len(accounts))
	for _, a := range accounts {
		rows = append(rows, newAccountRow(a))
	}
	return rows
}

func newAccountRow(a azureclient.StorageAccount) web.AccountRow {
	return web.AccountRow{Name: a.Name, Kind: a.Kind, SKU: a.SKU, Location: a.Location,
		BlobEndpoint: a.BlobEndpoint, URL: web.AccountPath(a.Name)}
}
