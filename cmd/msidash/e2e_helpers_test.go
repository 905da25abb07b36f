package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/secrets/secrettest"
)

// updateScreenshots rewrites docs/screenshots/*.png from the browser tests;
// off by default so that CI never dirties the tree.
var updateScreenshots = flag.Bool("update-screenshots", false, "write docs/screenshots/*.png from the browser tests")

// e2eTimeout bounds one browser subtest, Chromium and all.
const e2eTimeout = 45 * time.Second

// e2eUnavailable fails on CI, where every tool must be there, and skips on a
// developer box, saying what is missing.
func e2eUnavailable(t *testing.T, what string, err error, fix string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s unavailable: %v (%s)", what, err, fix)
	}
	t.Skipf("%s unavailable: %v; %s", what, err, fix)
}

// chromiumPath finds Chromium: the Debian path first, then PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("MSIDASH_CHROMIUM"); p != "" {
		_, err := os.Stat(p)
		return p, err
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	var firstErr error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		p, err := exec.LookPath(name)
		if err == nil {
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return "", firstErr
}

// e2eBrowser starts one headless Chromium, with a fresh profile, for every
// subtest of t; each subtest opens its own tab with e2eTab.
func e2eBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		e2eUnavailable(t, "Chromium", err, "install chromium (apt-get install chromium) or set MSIDASH_CHROMIUM")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true), // everything is on loopback
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// The first Run starts the browser; it must have no timeout of its own.
	if err := chromedp.Do(bctx); err != nil {
		e2eUnavailable(t, "Chromium", err, "check that "+path+" starts headless")
	}
	return bctx
}

// e2eTab opens a new tab in the shared browser, bounded by e2eTimeout. The
// test fails if a page throws or the browser blocks anything under the CSP.
func e2eTab(t *testing.T, bctx context.Context) context.Context {
	t.Helper()
	tctx, closeTab := chromedp.NewContext(bctx)
	if err := chromedp.Do(tctx); err != nil {
		closeTab()
		t.Fatalf("opening a tab: %v", err)
	}
	var (
		mu       sync.Mutex
		problems []string
	)
	if err := chromedp.Listen(tctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			problems = append(problems, "exception: "+msg)
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				if v := string(a.Value); strings.Contains(v, cspMarker) {
					problems = append(problems, v)
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	// Injected through DevTools, so the page's CSP does not apply to it.
	if _, err := chromedp.Call(tctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation", e => console.error("` + cspMarker + `: " + e.violatedDirective + " " + e.blockedURI));`,
	}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tctx, e2eTimeout)
	t.Cleanup(func() {
		cancel()
		closeTab()
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("in the browser: %s", p)
		}
	})
	return ctx
}

// cspMarker tags the console line the page logs for a CSP violation.
const cspMarker = "msidash-test CSP violation"

// e2eDashboard is msidash running in-process through run.
type e2eDashboard struct {
	URL      string // http://127.0.0.1:PORT
	LoginURL string
	Secret   string
	logs     *secrettest.Buffer
}

// e2eStartDashboard runs msidash against the simulator on 127.0.0.1:0 until
// the test ends.
func e2eStartDashboard(t *testing.T, sim *azuresim.Sim) *e2eDashboard {
	t.Helper()
	env := map[string]string{
		"MSIDASH_IMDS_ENDPOINT": sim.URL(),
		"MSIDASH_ARM_ENDPOINT":  sim.URL(),
		"MSIDASH_LISTEN":        "127.0.0.1:0",
		"MSIDASH_SECRET_FILE":   filepath.Join(t.TempDir(), "secret"),
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	d := &e2eDashboard{logs: &secrettest.Buffer{}}
	exited := make(chan int, 1)
	go func() {
		code := run(ctx, nil, func(k string) string { return env[k] }, pw, d.logs)
		_ = pw.Close()
		exited <- code
	}()
	lines := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody reads any more; keep draining
			}
		}
		close(lines)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("msidash exited with %d", code)
			}
		case <-time.After(35 * time.Second):
			t.Errorf("msidash did not stop")
		}
		if t.Failed() {
			t.Logf("msidash log:\n%s", d.logs.String())
		}
	})
	deadline := time.After(15 * time.Second)
	for d.LoginURL == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("msidash stopped before printing its login URL:\n%s", d.logs.String())
			}
			if base, ok := strings.CutPrefix(line, "msidash listening on "); ok {
				d.URL = base
			}
			if login, ok := strings.CutPrefix(line, "open "); ok {
				d.LoginURL = login
				_, d.Secret, _ = strings.Cut(login, "?token=")
			}
		case <-deadline:
			t.Fatalf("no login URL from msidash:\n%s", d.logs.String())
		}
	}
	if d.URL == "" || d.Secret == "" {
		t.Fatalf("unexpected start output: URL %q, login %q", d.URL, d.LoginURL)
	}
	return d
}

// api sends a bearer-authenticated request to the JSON API, as a script would.
func (d *e2eDashboard) api(t *testing.T, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, d.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.Secret)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return res.StatusCode, b
}

// e2eLeaks names every secret of which a piece longer than 8 characters
// appears in s (the contract's rule for pages, bodies and logs).
func e2eLeaks(s string, secrets map[string]string) []string {
	names := make([]string, 0, len(secrets))
	values := make([]string, 0, len(secrets))
	for name, v := range secrets {
		names = append(names, name)
		values = append(values, v)
	}
	var found []string
	for _, i := range secrettest.Leaks(s, values...) {
		found = append(found, names[i])
	}
	return found
}

// e2eAssertNoSecrets checks the page's whole DOM against the known secrets.
func e2eAssertNoSecrets(t *testing.T, ctx context.Context, page string, secrets map[string]string) {
	t.Helper()
	html := e2eRun(t, ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if leaks := e2eLeaks(html, secrets); len(leaks) > 0 {
		t.Errorf("%s page shows secrets: %v", page, leaks)
	}
}

// e2eAssertFits checks that the page needs no sideways scrolling in a
// window width pixels wide (tables scroll inside their own box).
func e2eAssertFits(t *testing.T, ctx context.Context, page string, width int64) {
	t.Helper()
	e2eDo(t, ctx, "narrow the window", chromedp.EmulateViewport(width, 900))
	got := e2eRun(t, ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	e2eDo(t, ctx, "restore the window", chromedp.EmulateViewport(1280, 900))
	if got > width {
		t.Errorf("%s page is %dpx wide in a %dpx window", page, got, width)
	}
}

// e2eRun runs one action and fails the test on error.
func e2eRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// e2eDo runs steps and fails the test on error, naming what it was doing.
func e2eDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// e2eWait waits until the JavaScript expression is truthy.
func e2eWait(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, html)
	}
}

// e2eText is the trimmed text of the first element matching css.
func e2eText(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return strings.TrimSpace(e2eRun(t, ctx, chromedp.Text(chromedp.CSS(css))))
}

// e2eScreenshot writes docs/screenshots/<name>.png when asked to
// (-update-screenshots or MSIDASH_SCREENSHOTS=1), at the given width.
func e2eScreenshot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	if !*updateScreenshots && os.Getenv("MSIDASH_SCREENSHOTS") != "1" {
		return
	}
	// The whole page at that width: the viewport is grown to the content's
	// height, as a full-page capture alone may cut it.
	e2eDo(t, ctx, "resize for "+name, chromedp.EmulateViewport(width, 900))
	defer e2eDo(t, ctx, "restore the viewport", chromedp.EmulateViewport(1280, 900))
	height := e2eRun(t, ctx, chromedp.Evaluate[int64](`Math.max(900, document.documentElement.scrollHeight)`))
	e2eDo(t, ctx, "grow to the page", chromedp.EmulateViewport(width, height))
	png := e2eRun(t, ctx, chromedp.CaptureScreenshot())
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s.png (%d bytes)", name, len(png))
}
