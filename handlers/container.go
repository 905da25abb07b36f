package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

type containersJSON struct {
	Containers []containerJSON `json:"containers"`
}

type containerJSON struct {
	Name         string `json:"name"`
	LastModified string `json:"last_modified"`
}

// createContainerRequest is the JSON body of a container create.
type createContainerRequest struct {
	Name string `json:"name"`
}

func (h *Handlers) apiListContainers(c echo.Context) error {
	account, err := param(c, "account")
	if err != nil {
		return err
	}
	list, err := h.blobs.ListContainers(c.Request().Context(), account)
	if err != nil {
		return err
	}
	out := containersJSON{Containers: make([]containerJSON, 0, len(list))}
	for _, ct := range list {
		out.Containers = append(out.Containers, containerJSON{Name: ct.Name, LastModified: rfc3339(ct.LastModified)})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) apiCreateContainer(c echo.Context) error {
	account, err := param(c, "account")
	if err != nil {
		return err
	}
	// Decoded whatever the Content-Type: `curl -d '{"name":"x"}'` sends a form type.
	var req createContainerRequest
	if err := json.NewDecoder(c.Request().Body).Decode(&req); err != nil {
		return badRequest("InvalidBody", `the body must be JSON like {"name":"mycontainer"}`)
	}
	if err := h.blobs.CreateContainer(c.Request().Context(), account, req.Name); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, containerJSON{Name: req.Name})
}

// createContainerFragment is the account page's create form: htmx gets the
// refreshed table, a plain form post goes back to the page.
func (h *Handlers) createContainerFragment(c echo.Context) error {
	account, err := param(c, "account")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.blobs.CreateContainer(ctx, account, c.FormValue("name")); err != nil {
		return err
	}
	if !isHTMX(c) {
		return redirectAfterPost(c, web.AccountPath(account))
	}
	list, listErr := h.blobs.ListContainers(ctx, account)
	return render(c, http.StatusCreated, web.ContainerTable(newContainerList(account, list, listErr, h.now())))
}

func newContainerList(account string, list []azureclient.Container, err error, now time.Time) web.ContainerList {
	v := web.ContainerList{Account: account, Err: alertFor(err)}
	for _, ct := range list {
		v.Rows = append(v.Rows, web.ContainerRow{Name: ct.Name, LastModified: web.HumanTime(ct.LastModified, now),
			LastModifiedExact: web.ExactTime(ct.LastModified), URL: web.ContainerPath(account, ct.Name)})
	}
	return v
}
