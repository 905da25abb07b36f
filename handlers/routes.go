package handlers

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/msidash/msidash/static"
)

// maxBodyBytes caps every request body but the two upload routes, which
// stream to Azure and have no size limit of their own.
const maxBodyBytes = "1M"

// Register wires the middleware and every route on e; this one function lists
// them all, pages beside their JSON twins.
func (h *Handlers) Register(e *echo.Echo) {
	e.HTTPErrorHandler = h.ErrorHandler
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			h.log.Error("panic", slog.String("path", c.Request().URL.Path), slog.String("err", err.Error()), slog.String("stack", string(stack)))
			return err
		},
	}))
	e.Use(h.requestLog, securityHeaders, hostCheck(h.allowedHosts))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: maxBodyBytes, Skipper: isUploadRoute}))

	// The one open route (contract: every other route, assets included,
	// needs the access secret).
	e.GET("/api/v1/healthz", h.healthz)

	// Middleware is attached per route, not per group: an Echo group with
	// middleware adds a catch-all route that would turn 405s into 404s.
	authed := []echo.MiddlewareFunc{h.guard.authenticate, h.guard.csrfCheck}
	withARM := append(slices.Clone(authed), h.requireARM)
	const api = "/api/v1"

	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServerFS(static.FS()))), authed...)

	// Token, instance, overview and doctor work without ARM: they are how
	// the admin finds out why ARM is not there.
	e.GET("/", h.overviewPage, authed...)
	e.POST("/token/refresh", h.tokenRefreshFragment, authed...)
	e.GET(api+"/token", h.apiToken, authed...)
	e.POST(api+"/token/refresh", h.apiTokenRefresh, authed...)
	e.GET(api+"/instance", h.apiInstance, authed...)
	e.GET("/doctor", h.doctorPage, authed...)
	e.GET(api+"/doctor", h.apiDoctor, authed...)

	e.GET("/resource-group", h.resourceGroupPage, withARM...)
	e.POST("/refresh", h.refreshPage, withARM...)
	e.GET(api+"/resource-group", h.apiResourceGroup, withARM...)
	e.GET(api+"/storage-accounts", h.apiStorageAccounts, withARM...)

	e.GET("/accounts/:account", h.storageAccountPage, withARM...)
	e.GET(api+"/storage-accounts/:account/keys", h.apiListKeys, withARM...)

	e.POST("/accounts/:account/containers", h.createContainerFragment, withARM...)
	e.GET(api+"/storage-accounts/:account/containers", h.apiListContainers, withARM...)
	e.POST(api+"/storage-accounts/:account/containers", h.apiCreateContainer, withARM...)

	e.GET("/accounts/:account/containers/:container", h.containerPage, withARM...)
	e.POST("/accounts/:account/containers/:container/upload", h.uploadForm, withARM...)
	e.GET("/accounts/:account/containers/:container/blobs/*", h.blobPage, withARM...)
	e.POST("/accounts/:account/containers/:container/delete/*", h.deleteBlobForm, withARM...)
	e.GET(api+"/storage-accounts/:account/containers/:container/blobs", h.apiListBlobs, withARM...)
	e.PUT(api+"/storage-accounts/:account/containers/:container/blobs/*", h.apiUploadBlob, withARM...)
	e.GET(api+"/storage-accounts/:account/containers/:container/blobs/*", h.apiDownloadBlob, withARM...)
	e.HEAD(api+"/storage-accounts/:account/containers/:container/blobs/*", h.apiDownloadBlob, withARM...)
	e.DELETE(api+"/storage-accounts/:account/containers/:container/blobs/*", h.apiDeleteBlob, withARM...)
}

// isUploadRoute skips the body limit for the two streamed upload routes.
func isUploadRoute(c echo.Context) bool {
	r := c.Request()
	p := r.URL.Path
	return (r.Method == http.MethodPut && strings.HasPrefix(p, "/api/v1/storage-accounts/") && strings.Contains(p, "/blobs/")) ||
		(r.Method == http.MethodPost && strings.HasPrefix(p, "/accounts/") && strings.HasSuffix(p, "/upload"))
}

func (h *Handlers) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
