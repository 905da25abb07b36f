package handlers

import (
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

// blobPage shows a blob's properties and the delete confirmation.
func (h *Handlers) blobPage(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	p, err := h.blobs.Properties(c.Request().Context(), t.account, t.container, t.blob)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.BlobPage(newBlobView(t, p, h.now())))
}

func newBlobView(t target, p azureclient.BlobProperties, now time.Time) web.BlobView {
	return web.BlobView{
		Account: t.account, Container: t.container, Name: p.Name,
		ContainerURL: web.FolderPath(t.account, t.container, folderOf(p.Name)),
		BlobType:     p.BlobType, Size: web.HumanSize(p.Size), SizeExact: strconv.FormatInt(p.Size, 10),
		ContentType: p.ContentType, ContentMD5: b64(p.ContentMD5), ETag: p.ETag,
		LastModified: web.HumanTime(p.LastModified, now), LastModifiedRaw: web.ExactTime(p.LastModified),
		LeaseState: p.LeaseState, ServerEncrypted: strconv.FormatBool(p.ServerEncrypted),
		DownloadURL: web.APIBlobPath(t.account, t.container, p.Name),
		DeleteURL:   web.BlobDeletePath(t.account, t.container, p.Name),
	}
}

// folderOf is the virtual folder holding a blob ("a/b/c.txt" → "a/b/").
func folderOf(blob string) string {
	dir := path.Dir(blob)
	if dir == "." || dir == "/" {
		return ""
	}
	return dir + "/"
}
