package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// pageCSP allows only the dashboard's own scripts and styles: htmx and the
// page script are served from the binary, nothing inline, nothing external.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// downloadCSP confines blob bytes, which are user content on the dashboard's
// origin: even if a browser rendered an uploaded HTML file, it could run
// nothing (see CVE-2026-44727 in Jupyter).
const downloadCSP = "sandbox; default-src 'none'"

// securityHeaders sets the headers every answer carries, error answers too.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		switch path := c.Request().URL.Path; {
		case strings.HasPrefix(path, "/static/vendor/"):
			// Vendored file names carry their version. Private: they are
			// served only to an authenticated browser.
			h.Set("Cache-Control", "private, max-age=31536000, immutable")
		case strings.HasPrefix(path, "/static/"):
			h.Set("Cache-Control", "private, max-age=86400")
		default:
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}
