package handlers

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// csrfCheck guards cookie-authenticated state changes. The token is read from
// a header (htmx) or the URL (plain forms), never from a parsed form body,
// which for an upload would read the whole file before deciding. Bearer calls
// need none: a browser cannot send a bearer header cross-site.
func (g *Guard) csrfCheck(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if safeMethod(req.Method) || c.Get(authModeCtxKey) != authModeCookie {
			return next(c)
		}
		if site := req.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			return csrfRefused("the request came from another site (Sec-Fetch-Site: " + site + ")")
		}
		if origin := req.Header.Get("Origin"); origin != "" {
			u, err := url.Parse(origin)
			if err != nil || u.Host != req.Host {
				return csrfRefused("the request came from another origin")
			}
		}
		tok := req.Header.Get(csrfHeader)
		if tok == "" {
			tok = req.URL.Query().Get(csrfQueryParam)
		}
		session, _ := c.Get(sessionCtxKey).(string)
		if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(g.csrfToken(session))) != 1 {
			return csrfRefused("the CSRF token is missing or wrong")
		}
		return next(c)
	}
}

func csrfRefused(msg string) error {
	return &apiError{Status: http.StatusForbidden, Code: "CSRFRejected", Message: msg,
		Hint: "reload the page and try again; scripts should send Authorization: Bearer instead of the cookie"}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
