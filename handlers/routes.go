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

	authed.GET("/", h.overviewPage)
	authed.POST("/token/refresh", h.tokenRefreshFragment)
	api.GET("/token", h.apiToken)
	api.POST("/token/refresh", h.apiTokenRefresh)
	api.GET("/instance", h.apiInstance)

	authed.GET("/resource-group", h.resourceGroupPage)
	authed.POST("/refresh", h.refreshPage)
	api.GET("/resource-group", h.apiResourceGroup)
	api.GET("/storage-accounts", h.apiStorageAccounts)

	authed.GET("/accounts/:account", h.storageAccountPage)
	api.GET("/storage-accounts/:account/keys", h.apiListKeys)

	authed.POST("/accounts/:account/containers", h.createContainerFragment)
	api.GET("/storage-accounts/:account/containers", h.apiListContainers)
	api.POST("/storage-accounts/:account/containers", h.apiCreateContainer)

	authed.GET("/accounts/:account/containers/:container", h.containerPage)
	authed.POST("/accounts/:account/containers/:container/upload", h.uploadForm)
	authed.GET("/accounts/:account/containers/:container/blobs/*", h.blobPage)
	authed.POST("/accounts/:account/containers/:container/delete/*", h.deleteBlobForm)
	api.GET("/storage-accounts/:account/containers/:container/blobs", h.apiListBlobs)
	api.PUT("/storage-accounts/:account/containers/:container/blobs/*", h.apiUploadBlob)
	api.GET("/storage-accounts/:account/containers/:container/blobs/*", h.apiDownloadBlob)
	api.HEAD("/storage-accounts/:account/containers/:container/blobs/*", h.apiDownloadBlob)
	api.DELETE("/storage-accounts/:account/containers/:container/blobs/*", h.apiDeleteBlob)

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
