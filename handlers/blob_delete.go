package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/web"
)

func (h *Handlers) apiDeleteBlob(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	if err := h.blobs.Delete(c.Request().Context(), t.account, t.container, t.blob); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// deleteBlobForm deletes from a page: htmx gets the folder's listing again,
// a plain form goes back to the folder.
func (h *Handlers) deleteBlobForm(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.blobs.Delete(ctx, t.account, t.container, t.blob); err != nil {
		return err
	}
	folder := folderOf(t.blob)
	if !isHTMX(c) {
		return redirectAfterPost(c, web.FolderPath(t.account, t.container, folder))
	}
	listing, err := h.listing(ctx, listingQuery{account: t.account, container: t.container, prefix: folder, page: 1})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.BlobTable(listing, "Deleted "+t.blob+"."))
}
