package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/web"
)

// apiError is an error a handler decided itself (bad input, access).
type apiError struct {
	Status  int
	Code    string
	Message string
	Hint    string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(code, msg string) error {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: msg}
}

// errorBody is the contract's JSON error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Hint    string `json:"hint"`
}

// classified is an error reduced to what is safe to answer.
type classified struct {
	status int
	code   string
	msg    string
	hint   string
}

// classify maps any handler error to a status, code, message and hint.
// Messages come from azureclient, which never puts bodies, tokens or keys in
// them; anything unknown becomes a generic 500.
func classify(err error) classified {
	var ae *apiError
	if errors.As(err, &ae) {
		return classified{ae.Status, ae.Code, ae.Message, ae.Hint}
	}
	var ce *azureclient.Error
	if errors.As(err, &ce) {
		c := classified{status: kindStatus(ce), code: ce.Code, msg: ce.Message, hint: ce.Hint}
		if c.code == "" {
			c.code = ce.Kind.String()
		}
		if c.msg == "" {
			c.msg = ce.Kind.String()
		}
		return c
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok && he.Code < 500 {
			msg = s
		}
		return classified{status: he.Code, code: strings.ReplaceAll(http.StatusText(he.Code), " ", ""), msg: msg}
	}
	return classified{status: http.StatusInternalServerError, code: "InternalError", msg: "msidash failed to answer; see its log"}
}

// kindStatus is the contract's status for each kind of Azure failure.
func kindStatus(e *azureclient.Error) int {
	switch e.Kind {
	case azureclient.KindInvalid:
		if e.Status >= 500 {
			return http.StatusBadGateway
		}
		return http.StatusBadRequest
	case azureclient.KindForbidden:
		return http.StatusForbidden
	case azureclient.KindNotFound:
		return http.StatusNotFound
	case azureclient.KindConflict:
		return http.StatusConflict
	case azureclient.KindThrottled:
		if e.Code == "TooManyUploads" {
			return http.StatusTooManyRequests
		}
		return http.StatusServiceUnavailable
	case azureclient.KindUnavailable:
		return http.StatusServiceUnavailable
	default: // Unauthorized after a refresh, NoIdentity, Upstream: Azure answered with an error
		return http.StatusBadGateway
	}
}

// ErrorHandler is the one echo.HTTPErrorHandler. It answers by surface: JSON
// under /api/, an alert fragment for htmx, an error page otherwise.
func (h *Handlers) ErrorHandler(err error, c echo.Context) {
	req := c.Request()
	cl := classify(err)
	attrs := []any{"path", req.URL.Path, "status", cl.status, "code", cl.code, "err", err.Error()}
	if c.Response().Committed {
		// Too late to answer cleanly; the transfer itself is aborted elsewhere.
		h.log.Warn("error after response started", attrs...)
		return
	}
	if cl.status >= 500 {
		h.log.Error("request failed", attrs...)
	} else {
		h.log.Info("request refused", attrs...)
	}
	if req.Method == http.MethodHead {
		_ = c.NoContent(cl.status)
		return
	}
	switch {
	case strings.HasPrefix(req.URL.Path, "/api/"):
		err = c.JSON(cl.status, errorBody{Error: errorDetail{Code: cl.code, Message: cl.msg, Hint: cl.hint}})
	case req.Header.Get("HX-Request") == "true":
		c.Response().Header().Set("HX-Retarget", "#alerts")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		err = render(c, cl.status, web.AlertBox(alertOf(cl)))
	default:
		err = render(c, cl.status, web.ErrorPage(web.ErrorView{Status: cl.status, Title: http.StatusText(cl.status), Alert: alertOf(cl)}))
	}
	if err != nil {
		h.log.Error("writing the error answer failed", slog.String("err", err.Error()))
	}
}

func alertOf(cl classified) web.Alert {
	return web.Alert{Title: http.StatusText(cl.status), Message: cl.msg, Hint: cl.hint, Code: cl.code, Status: cl.status}
}

// alertFor is the in-place alert for a part of a page that failed while the
// rest rendered.
func alertFor(err error) *web.Alert {
	if err == nil {
		return nil
	}
	a := alertOf(classify(err))
	return &a
}
