package handlers

import (
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

// maxFieldBytes bounds the small text fields of the upload form.
const maxFieldBytes = 4096

type uploadJSON struct {
	Name         string `json:"name"`
	Size         int64  `json:"size"`
	ETag         string `json:"etag"`
	LastModified string `json:"last_modified"`
	ContentMD5   string `json:"content_md5"`
}

// apiUploadBlob streams a raw body into a block blob. A declared length
// (Content-Length) and Content-MD5 are checked before the commit, so a body
// cut short never becomes a short blob.
func (h *Handlers) apiUploadBlob(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	req := c.Request()
	opts := azureclient.UploadOptions{Size: req.ContentLength, ContentType: req.Header.Get(echo.HeaderContentType)}
	if m := req.Header.Get("Content-MD5"); m != "" {
		sum, err := base64.StdEncoding.DecodeString(m)
		if err != nil || len(sum) != 16 {
			return badRequest("InvalidContentMD5", "Content-MD5 must be the base64 of a 16-byte MD5 digest")
		}
		opts.MD5 = sum
	}
	switch inm := req.Header.Get("If-None-Match"); inm {
	case "":
	case "*":
		opts.NoOverwrite = true
	default:
		return badRequest("InvalidIfNoneMatch", `only "If-None-Match: *" is supported`)
	}
	body := rollingReader{r: req.Body, rc: http.NewResponseController(c.Response())}
	res, err := h.blobs.Upload(req.Context(), t.account, t.container, t.blob, body, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, uploadJSON{Name: res.Name, Size: res.Size, ETag: res.ETag,
		LastModified: rfc3339(res.LastModified), ContentMD5: b64(res.ContentMD5)})
}

// uploadForm takes the container page's multipart form, read part by part:
// the small fields first (prefix, name, overwrite), then the file, streamed.
// Nothing is spooled to memory or disk (c.FormFile would).
func (h *Handlers) uploadForm(c echo.Context) error {
	t, err := storageTarget(c)
	if err != nil {
		return err
	}
	req := c.Request()
	mr, err := req.MultipartReader()
	if err != nil {
		return badRequest("InvalidForm", "the upload must be a multipart/form-data form")
	}
	var prefix, name string
	var overwrite bool
	var res azureclient.UploadResult
	for uploaded := false; !uploaded; {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return badRequest("NoFile", "choose a file to upload")
		}
		if err != nil {
			return badRequest("InvalidForm", "the form could not be read")
		}
		switch part.FormName() {
		case "prefix", "name", "overwrite":
			v, err := readField(part)
			if err != nil {
				return err
			}
			switch part.FormName() {
			case "prefix":
				prefix = v
			case "name":
				name = v
			default:
				overwrite = v != ""
			}
		case "file":
			if name == "" {
				name = part.FileName() // Go already reduced it to a base name
			}
			if name == "" {
				return badRequest("InvalidBlobName", "give the blob a name or choose a named file")
			}
			body := rollingReader{r: &lastPart{part: part, mr: mr}, rc: http.NewResponseController(c.Response())}
			res, err = h.blobs.Upload(req.Context(), t.account, t.container, prefix+name, body,
				azureclient.UploadOptions{NoOverwrite: !overwrite, Size: -1, ContentType: part.Header.Get(echo.HeaderContentType)})
			if err != nil {
				if azureclient.KindOf(err) == azureclient.KindConflict && !overwrite {
					return &apiError{Status: http.StatusConflict, Code: "BlobAlreadyExists",
						Message: "a blob named " + prefix + name + " already exists; it was left unchanged",
						Hint:    "tick \"Replace a blob of the same name\" to overwrite it, or choose another name"}
				}
				return err
			}
			uploaded = true
		default:
			return badRequest("UnexpectedField", "the form has an unexpected field "+part.FormName())
		}
	}
	if !isHTMX(c) {
		return redirectAfterPost(c, web.FolderPath(t.account, t.container, prefix))
	}
	listing, err := h.listing(req.Context(), listingQuery{account: t.account, container: t.container, prefix: prefix, page: 1})
	if err != nil {
		return err
	}
	return render(c, http.StatusCreated, web.BlobTable(listing, "Uploaded "+res.Name+" ("+web.HumanSize(res.Size)+")."))
}

func readField(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
	if err != nil {
		return "", badRequest("InvalidForm", "the form could not be read")
	}
	if len(b) > maxFieldBytes {
		return "", badRequest("FieldTooLong", "the form field "+part.FormName()+" is too long")
	}
	return strings.TrimSpace(string(b)), nil
}

// lastPart reads the file part and reports a clean end only when the
// multipart body also ended properly after it. A form cut off half-way, or
// one with more parts after the file, ends in an error, so the upload is
// never committed.
type lastPart struct {
	part *multipart.Part
	mr   *multipart.Reader
}

func (l *lastPart) Read(p []byte) (int, error) {
	n, err := l.part.Read(p)
	if !errors.Is(err, io.EOF) {
		return n, err
	}
	next, nerr := l.mr.NextPart()
	switch {
	case errors.Is(nerr, io.EOF):
		return n, io.EOF
	case nerr != nil:
		return n, nerr
	default:
		_ = next.Close()
		return n, errors.New("the form has fields after the file")
	}
}
