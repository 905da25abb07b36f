// Package handlers holds msidash's Echo routes, one file per resource, its
// access guard, and the one error handler. Handlers parse input, call
// azureclient, build a view model or JSON DTO, and answer; nothing more.
package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
)

// Deps is what the handlers need. ARM and Blobs are nil when the
// subscription or resource group could not be found; routes that need them
// then answer 503.
type Deps struct {
	Logger       *slog.Logger
	Tokens       *azureclient.TokenSource
	ARM          *azureclient.ARM
	Blobs        *azureclient.Blobs
	Doctor       *azureclient.Doctor
	Instance     func(ctx context.Context) (azureclient.Instance, error)
	Guard        *Guard
	AllowedHosts []string
	Now          func() time.Time
}

// Handlers serves the dashboard and its JSON API.
type Handlers struct {
	log          *slog.Logger
	tokens       *azureclient.TokenSource
	arm          *azureclient.ARM
	blobs        *azureclient.Blobs
	doctor       *azureclient.Doctor
	instance     func(ctx context.Context) (azureclient.Instance, error)
	guard        *Guard
	allowedHosts []string
	now          func() time.Time
}

// New builds the handlers.
func New(d Deps) *Handlers {
	h := &Handlers{
		log: d.Logger, tokens: d.Tokens, arm: d.ARM, blobs: d.Blobs, doctor: d.Doctor,
		instance: d.Instance, guard: d.Guard, allowedHosts: d.AllowedHosts, now: d.Now,
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// requireARM guards the routes that need ARM (and so Blobs).
func (h *Handlers) requireARM(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := h.needARM(); err != nil {
			return err
		}
		return next(c)
	}
}

// needARM is the error for work that needs ARM when it is not configured.
func (h *Handlers) needARM() error {
	if h.arm != nil && h.blobs != nil {
		return nil
	}
	return &apiError{Status: http.StatusServiceUnavailable, Code: "ScopeUnknown",
		Message: "the subscription and resource group are unknown: IMDS instance metadata could not be read",
		Hint:    "check that the identity endpoint answers (msidash doctor), or start msidash with --subscription-id and --resource-group"}
}
