package handlers

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

// blobsPerPage keeps a folder of thousands of blobs readable.
const blobsPerPage = 100

type blobsJSON struct {
	Blobs []blobJSON `json:"blobs"`
}

type blobJSON struct {
	Name         string `json:"name"`
	Size         int64  `json:"size"`
	ContentType  string `json:"content_type"`
	ETag         string `json:"etag"`
	LastModified string `json:"last_modified"`
	ContentMD5   string `json:"content_md5"`
}

func newBlobJSON(b azureclient.BlobItem) blobJSON {
	return blobJSON{Name: b.Name, Size: b.Size, ContentType: b.ContentType, ETag: b.ETag,
		LastModified: rfc3339(b.LastModified), ContentMD5: b64(b.ContentMD5)}
}

func (h *Handlers) apiListBlobs(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	list, err := h.blobs.ListBlobs(c.Request().Context(), t.account, t.container,
		azureclient.ListBlobsOptions{Prefix: c.QueryParam("prefix")})
	if err != nil {
		return err
	}
	out := blobsJSON{Blobs: make([]blobJSON, 0, len(list.Blobs))}
	for _, b := range list.Blobs {
		out.Blobs = append(out.Blobs, newBlobJSON(b))
	}
	return c.JSON(http.StatusOK, out)
}

// listingQuery is what a container page shows: a folder, sorted, one page.
type listingQuery struct {
	account, container, prefix, sort string
	page                             int
}

func listingQueryOf(c echo.Context, t target) listingQuery {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	return listingQuery{account: t.account, container: t.container, prefix: c.QueryParam("prefix"),
		sort: c.QueryParam("sort"), page: max(page, 1)}
}

func (h *Handlers) containerPage(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	q := listingQueryOf(c, t)
	listing, err := h.listing(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.ContainerPage(newContainerView(q, listing)))
}

// listing fetches one folder level and builds its table.
func (h *Handlers) listing(ctx context.Context, q listingQuery) (web.BlobListing, error) {
	list, err := h.blobs.ListBlobs(ctx, q.account, q.container, azureclient.ListBlobsOptions{Prefix: q.prefix, Delimiter: "/"})
	if err != nil {
		return web.BlobListing{}, err
	}
	return newBlobListing(q, list, h.now()), nil
}

func newContainerView(q listingQuery, listing web.BlobListing) web.ContainerView {
	v := web.ContainerView{
		Account: q.account, Container: q.container, Prefix: q.prefix,
		AccountURL: web.AccountPath(q.account), Listing: listing,
		UploadURL: web.UploadPath(q.account, q.container),
	}
	v.Crumbs = append(v.Crumbs, web.Crumb{Label: q.container, URL: web.ContainerPath(q.account, q.container)})
	acc := ""
	for _, seg := range strings.Split(strings.TrimSuffix(q.prefix, "/"), "/") {
		if seg == "" {
			continue
		}
		acc += seg + "/"
		v.Crumbs = append(v.Crumbs, web.Crumb{Label: seg, URL: web.FolderPath(q.account, q.container, acc)})
	}
	return v
}

func newBlobListing(q listingQuery, list azureclient.BlobListing, now time.Time) web.BlobListing {
	blobs := append([]azureclient.BlobItem(nil), list.Blobs...)
	switch q.sort {
	case "size":
		sort.SliceStable(blobs, func(i, j int) bool { return blobs[i].Size > blobs[j].Size })
	case "modified":
		sort.SliceStable(blobs, func(i, j int) bool { return blobs[i].LastModified.After(blobs[j].LastModified) })
	default:
		q.sort = "name" // Azure lists by name already
	}
	v := web.BlobListing{
		Total: len(blobs) + len(list.Prefixes), Sort: q.sort,
		Empty:   len(blobs) == 0 && len(list.Prefixes) == 0,
		SortURL: map[string]string{},
	}
	for _, s := range []string{"name", "size", "modified"} {
		v.SortURL[s] = listingURL(q, s, 1)
	}
	for _, p := range list.Prefixes {
		v.Folders = append(v.Folders, web.FolderRow{Name: strings.TrimPrefix(p, q.prefix), URL: web.FolderPath(q.account, q.container, p)})
	}
	v.Pages = max(1, (len(blobs)+blobsPerPage-1)/blobsPerPage)
	v.Page = min(q.page, v.Pages)
	if v.Page > 1 {
		v.PrevURL = listingURL(q, q.sort, v.Page-1)
	}
	if v.Page < v.Pages {
		v.NextURL = listingURL(q, q.sort, v.Page+1)
	}
	start := (v.Page - 1) * blobsPerPage
	for _, b := range blobs[start:min(len(blobs), start+blobsPerPage)] {
		v.Blobs = append(v.Blobs, newBlobRow(q, b, now))
	}
	return v
}

func newBlobRow(q listingQuery, b azureclient.BlobItem, now time.Time) web.BlobRow {
	return web.BlobRow{
		Name: strings.TrimPrefix(b.Name, q.prefix), FullName: b.Name,
		Size: web.HumanSize(b.Size), SizeExact: strconv.FormatInt(b.Size, 10) + " bytes",
		ContentType: b.ContentType, ETag: b.ETag, MD5: b64(b.ContentMD5),
		LastModified: web.HumanTime(b.LastModified, now), LastModifiedExact: web.ExactTime(b.LastModified),
		DownloadURL: web.APIBlobPath(q.account, q.container, b.Name),
		DeleteURL:   web.BlobDeletePath(q.account, q.container, b.Name),
		PropsURL:    web.BlobPath(q.account, q.container, b.Name),
	}
}

func listingURL(q listingQuery, sortBy string, page int) string {
	v := url.Values{}
	if q.prefix != "" {
		v.Set("prefix", q.prefix)
	}
	if sortBy != "name" {
		v.Set("sort", sortBy)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	p := web.ContainerPath(q.account, q.container)
	if len(v) > 0 {
		p += "?" + v.Encode()
	}
	return p
}

func b64(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}
