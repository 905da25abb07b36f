package handlers

import (
	"io"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
)

// apiDownloadBlob streams a blob (GET) or its headers alone (HEAD). Blob
// bytes are user content on the dashboard's own origin, so they go out only
// as an attachment, nosniff and CSP-sandboxed.
func (h *Handlers) apiDownloadBlob(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodHead {
		p, err := h.blobs.Properties(ctx, t.account, t.container, t.blob)
		if err != nil {
			return err
		}
		setBlobHeaders(c, p)
		return c.NoContent(http.StatusOK)
	}
	d, err := h.blobs.Download(ctx, t.account, t.container, t.blob)
	if err != nil {
		return err
	}
	defer d.Body.Close()
	setBlobHeaders(c, d.Properties)
	c.Response().WriteHeader(http.StatusOK)
	w := rollingWriter{w: c.Response(), rc: http.NewResponseController(c.Response())}
	n, err := io.Copy(w, d.Body)
	if err != nil || n != d.Properties.Size {
		// Content-Length is already out: abort the connection so the client
		// sees a broken transfer, never a short file that looks complete.
		h.log.Warn("download aborted", slog.String("path", c.Request().URL.Path),
			slog.Int64("bytes_sent", n), slog.Int64("size", d.Properties.Size), slog.Any("err", err))
		panic(http.ErrAbortHandler)
	}
	return nil
}

func setBlobHeaders(c echo.Context, p azureclient.BlobProperties) {
	hd := c.Response().Header()
	ct := p.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	hd.Set(echo.HeaderContentType, ct)
	hd.Set(echo.HeaderContentLength, strconv.FormatInt(p.Size, 10))
	if p.ETag != "" {
		hd.Set("ETag", p.ETag)
	}
	if len(p.ContentMD5) > 0 {
		hd.Set("Content-MD5", b64(p.ContentMD5))
	}
	hd.Set("Content-Security-Policy", downloadCSP)
	hd.Set(echo.HeaderContentDisposition, attachment(path.Base(p.Name)))
}

// attachment builds a Content-Disposition that no file name can break out
// of: mime.FormatMediaType percent-encodes quotes, CR/LF and non-ASCII into
// RFC 6266's filename*=.
func attachment(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}
