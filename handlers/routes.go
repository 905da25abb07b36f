package handlers

import (
	"log/slog"
	"net/http"
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

	// Open: health for probes, assets for the login page to look right.
	e.GET("/api/v1/healthz", h.healthz)
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServerFS(static.FS()))))

	authed := e.Group("", h.guard.authenticate, h.guard.csrfCheck)
	api := authed.Group("/api/v1")

	// Token, instance, overview and doctor work without ARM: they are how
	// the admin finds out why ARM is not there.
	authed.GET("/", h.overviewPage)
	authed.POST("/token/refresh", h.tokenRefreshFragment)
	api.GET("/token", h.apiToken)
	api.POST("/token/refresh", h.apiTokenRefresh)
	api.GET("/instance", h.apiInstance)

	pages := authed.Group("", h.requireARM)
	arm := api.Group("", h.requireARM)

	pages.GET("/resource-group", h.resourceGroupPage)
	pages.POST("/refresh", h.refreshPage)
	arm.GET("/resource-group", h.apiResourceGroup)
	arm.GET("/storage-accounts", h.apiStorageAccounts)

	pages.GET("/accounts/:account", h.storageAccountPage)
	arm.GET("/storage-accounts/:account/keys", h.apiListKeys)

	pages.POST("/accounts/:account/containers", h.createContainerFragment)
	arm.GET("/storage-accounts/:account/containers", h.apiListContainers)
	arm.POST("/storage-accounts/:account/containers", h.apiCreateContainer)

	pages.GET("/accounts/:account/containers/:container", h.containerPage)
	pages.POST("/accounts/:account/containers/:container/upload", h.uploadForm)
	pages.GET("/accounts/:account/containers/:container/blobs/*", h.blobPage)
	pages.POST("/accounts/:account/containers/:container/delete/*", h.deleteBlobForm)
	arm.GET("/storage-accounts/:account/containers/:container/blobs", h.apiListBlobs)
	arm.PUT("/storage-accounts/:account/containers/:container/blobs/*", h.apiUploadBlob)
	arm.GET("/storage-accounts/:account/containers/:container/blobs/*", h.apiDownloadBlob)
	arm.HEAD("/storage-accounts/:account/containers/:container/blobs/*", h.apiDownloadBlob)
	arm.DELETE("/storage-accounts/:account/containers/:container/blobs/*", h.apiDeleteBlob)

	authed.GET("/doctor", h.doctorPage)
	api.GET("/doctor", h.apiDoctor)
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
