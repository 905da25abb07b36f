package handlers

import (
	"net/url"

	"github.com/labstack/echo/v4"
)

// param returns a path parameter decoded. Echo routes on the raw path when
// the request had escapes that differ from the default (a blob named
// "a%2Fb"), and then its params are still escaped; otherwise they are not.
func param(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, nil
	}
	s, err := url.PathUnescape(v)
	if err != nil {
		return "", badRequest("InvalidPath", "the path is not validly escaped")
	}
	return s, nil
}

// target is the account, container and blob a storage route names.
type target struct{ account, container, blob string }

func storageTarget(c echo.Context) (target, error) {
	var t target
	var err error
	if t.account, err = param(c, "account"); err != nil {
		return t, err
	}
	if t.container, err = param(c, "container"); err != nil {
		return t, err
	}
	t.blob, err = param(c, "*")
	return t, err
}
