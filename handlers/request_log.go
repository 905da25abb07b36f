package handlers

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
)

// requestLog records method, path (never the query: ?token= would land in
// the log), status and latency of every request.
func (h *Handlers) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // answer now, so the logged status is the one sent
		}
		req := c.Request()
		h.log.Info("request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes_out", c.Response().Size),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		)
		return nil
	}
}
