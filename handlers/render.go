package handlers

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// bufPool holds render buffers: a page renders whole before a byte is sent,
// so a failing component still becomes a clean 500.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a templ component with status, once.
func render(c echo.Context, status int, cmp templ.Component) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := cmp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// isHTMX reports whether the request came from htmx rather than a plain form.
func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// redirectAfterPost sends a plain form post back to a page (post/redirect/get).
func redirectAfterPost(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
