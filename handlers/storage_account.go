package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

type keysJSON struct {
	Keys []keyJSON `json:"keys"`
}

type keyJSON struct {
	KeyName      string `json:"key_name"`
	Permissions  string `json:"permissions"`
	Value        string `json:"value"` // masked by azureclient where the key entered
	CreationTime string `json:"creation_time"`
}

func (h *Handlers) apiListKeys(c echo.Context) error {
	account, err := param(c, "account")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	// ARM checks roles before existence, so listKeys on a wrong name says
	// 403; the cached account list says 404, which is what the admin needs.
	if _, err := h.arm.StorageAccount(ctx, account); err != nil {
		return err
	}
	keys, err := h.arm.ListKeys(ctx, account)
	if err != nil {
		return err
	}
	out := keysJSON{Keys: make([]keyJSON, 0, len(keys))}
	for _, k := range keys {
		out.Keys = append(out.Keys, keyJSON{KeyName: k.Name, Permissions: k.Permissions, Value: k.Masked, CreationTime: rfc3339(k.Created)})
	}
	return c.JSON(http.StatusOK, out)
}

// storageAccountPage shows masked keys and containers; either may fail alone
// (a missing key operator role must not hide the containers in aad mode).
func (h *Handlers) storageAccountPage(c echo.Context) error {
	name, err := param(c, "account")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	account, err := h.arm.StorageAccount(ctx, name)
	if err != nil {
		return err
	}
	keys, keysErr := h.arm.ListKeys(ctx, name)
	containers, contErr := h.blobs.ListContainers(ctx, name)
	return render(c, http.StatusOK, web.StorageAccountPage(newStorageAccountView(account, keys, keysErr, containers, contErr, h.now())))
}

func newStorageAccountView(a azureclient.StorageAccount, keys []azureclient.AccountKey, keysErr error,
	containers []azureclient.Container, contErr error, now time.Time) web.StorageAccountView {
	v := web.StorageAccountView{
		Account:            newAccountRow(a),
		KeysErr:            alertFor(keysErr),
		Containers:         newContainerList(a.Name, containers, contErr, now),
		CreateContainerURL: web.CreateContainerPath(a.Name),
	}
	for _, k := range keys {
		v.Keys = append(v.Keys, web.KeyRow{Name: k.Name, Permissions: k.Permissions, Masked: k.Masked,
			Created: web.HumanTime(k.Created, now), CreatedExact: web.ExactTime(k.Created)})
	}
	return v
}
