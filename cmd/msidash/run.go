package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/azureclient/secrets"
	"github.com/msidash/msidash/handlers"
)

const shutdownGrace = 30 * time.Second

// run is msidash without globals: tests call it with their own arguments,
// environment and output. It returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, errHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "msidash:", err)
		return 2
	}
	red := secrets.New()
	log := newLogger(stderr, cfg.logLevel, red)
	a, err := newApp(ctx, cfg, log, red)
	if err != nil {
		fmt.Fprintln(stderr, "msidash:", err)
		return 1
	}
	if cfg.command == "doctor" {
		return runDoctor(ctx, a, cfg.doctorJSON, stdout)
	}
	return serve(ctx, cfg, a, getenv, log, red, stdout, stderr)
}

func newLogger(w io.Writer, level string, red *secrets.Redactor) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(red.Handler(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})))
}

func serve(ctx context.Context, cfg config, a *app, getenv func(string) string, log *slog.Logger, red *secrets.Redactor, stdout, stderr io.Writer) int {
	secret, file, generated, err := accessSecret(getenv, cfg.secretFile)
	if err != nil {
		fmt.Fprintln(stderr, "msidash:", err)
		return 1
	}
	red.Add(secret)
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		fmt.Fprintln(stderr, "msidash:", err)
		return 1
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	h := handlers.New(handlers.Deps{
		Logger: log, Tokens: a.tokens, ARM: a.arm, Blobs: a.blobs, Doctor: a.doctor,
		Instance: a.instance.get, Guard: handlers.NewGuard(secret, time.Now), AllowedHosts: cfg.allowedHosts,
	})
	h.Register(e)
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second, // slowloris; bodies use rolling deadlines
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "msidash listening on %s\n", base)
	if generated {
		// Printed once, as Jupyter does, because it was generated here; a
		// secret from the environment is never echoed.
		fmt.Fprintf(stdout, "access secret written to %s\nopen %s/?token=%s\n", file, base, secret)
	} else {
		fmt.Fprintf(stdout, "open %s/?token=<MSIDASH_AUTH_TOKEN>\n", base)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error("server stopped", slog.Any("err", err))
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down; waiting for transfers in flight", slog.Duration("grace", shutdownGrace))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("shutdown cut transfers short", slog.Any("err", err))
		return 1
	}
	return 0
}

// runDoctor prints the checklist; exit 0 only when every check passes.
func runDoctor(ctx context.Context, a *app, asJSON bool, stdout io.Writer) int {
	checks := a.doctor.Run(ctx)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(handlers.NewDoctorJSON(checks))
	} else {
		for _, c := range checks {
			fmt.Fprintf(stdout, "[%s] %s: %s\n", c.Status, c.Name, c.Message)
			if c.Hint != "" && c.Status != azureclient.CheckPass {
				fmt.Fprintf(stdout, "       fix: %s\n", c.Hint)
			}
		}
	}
	for _, c := range checks {
		if c.Status != azureclient.CheckPass {
			return 1
		}
	}
	return 0
}
