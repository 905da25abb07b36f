package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

type instanceJSON struct {
	VMName         string `json:"vm_name"`
	VMID           string `json:"vm_id"`
	SubscriptionID string `json:"subscription_id"`
	ResourceGroup  string `json:"resource_group"`
	Location       string `json:"location"`
}

func (h *Handlers) apiInstance(c echo.Context) error {
	in, err := h.instance(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, instanceJSON{
		VMName: in.VMName, VMID: in.VMID, SubscriptionID: in.SubscriptionID,
		ResourceGroup: in.ResourceGroup, Location: in.Location,
	})
}

func newInstanceView(in azureclient.Instance, err error) web.InstanceView {
	if err != nil {
		return web.InstanceView{Error: alertFor(err)}
	}
	return web.InstanceView{
		VMName: in.VMName, VMID: in.VMID, SubscriptionID: in.SubscriptionID,
		ResourceGroup: in.ResourceGroup, Location: in.Location,
	}
}
