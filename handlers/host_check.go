package handlers

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// hostCheck refuses any request whose Host is neither loopback nor allowed,
// before auth and before any handler: a rebound DNS name must never reach the
// dashboard's credentials. Any port is fine: admins forward the port they like.
func hostCheck(allowed []string) echo.MiddlewareFunc {
	allow := make(map[string]bool, len(allowed))
	for _, h := range allowed {
		allow[strings.ToLower(strings.TrimSpace(h))] = true
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !hostAllowed(c.Request().Host, allow) {
				return &apiError{Status: http.StatusForbidden, Code: "HostNotAllowed",
					Message: "this Host is not loopback or explicitly allowed",
					Hint:    "open msidash as http://localhost:<port>/ or http://127.0.0.1:<port>/ through your SSH tunnel, or start it with --allowed-hosts"}
			}
			return next(c)
		}
	}
}

// hostAllowed reports whether a Host header names a loopback address,
// "localhost", or an allowed host. Everything else, including "0.0.0.0",
// "127.1", "localhost.evil.com" and an empty Host, is refused.
func hostAllowed(hostport string, allow map[string]bool) bool {
	host := strings.ToLower(hostport)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if host == "" {
		return false
	}
	if host == "localhost" || allow[host] {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}
