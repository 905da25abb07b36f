package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/azuritetest"
)

// TestBrowser drives the dashboard in headless Chromium: the real run,
// the IMDS/ARM simulator and the real Azurite, one browser for all subtests.
func TestBrowser(t *testing.T) {
	bctx := e2eBrowser(t)
	az := azuritetest.Start(t, azuritetest.Account{Name: azuresim.DefaultAccount, Key1: azuresim.DemoKey1, Key2: azuresim.DemoKey2})
	newSim := func(t *testing.T) *azuresim.Sim {
		return azuresim.Start(t, azuresim.WithAccounts(azuresim.Account{
			Name: azuresim.DefaultAccount, BlobEndpoint: az.BlobEndpoint(azuresim.DefaultAccount)}))
	}

	t.Run("workflow", func(t *testing.T) {
		sim := newSim(t)
		d := e2eStartDashboard(t, sim)
		ctx := e2eTab(t, bctx)
		var (
			mu       sync.Mutex
			requests []string
		)
		if err := chromedp.Listen(ctx, func(ev any) {
			if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
				mu.Lock()
				requests = append(requests, ev.Request.URL)
				mu.Unlock()
			}
		}); err != nil {
			t.Fatal(err)
		}
		key1, key2 := sim.Keys(azuresim.DefaultAccount)
		secrets := map[string]string{"key1": key1, "key2": key2, "access secret": d.Secret}

		// Login: the secret leaves the address bar at once.
		e2eDo(t, ctx, "login", chromedp.Navigate(d.LoginURL))
		e2eWait(t, ctx, "the overview", `document.querySelector("[data-testid=token-card]")`)
		loc := e2eRun(t, ctx, chromedp.Location())
		if loc != d.URL+"/" || strings.Contains(loc, d.Secret) {
			t.Errorf("after login the address is %q, want %q without the token", loc, d.URL+"/")
		}

		// Overview: identity, a live countdown, the group, the doctor.
		if got := e2eText(t, ctx, "[data-testid=object-id]"); got != azuresim.ObjectID {
			t.Errorf("object id %q, want %q", got, azuresim.ObjectID)
		}
		expiry := e2eText(t, ctx, "[data-testid=token-expiry]")
		e2eWait(t, ctx, "the token countdown to move",
			fmt.Sprintf(`document.querySelector("[data-testid=token-expiry]").textContent.trim() !== %q`, expiry))
		if got := e2eText(t, ctx, "[data-testid=group-name]"); got != azuresim.DefaultResourceGroup {
			t.Errorf("group %q, want %q", got, azuresim.DefaultResourceGroup)
		}
		if got := e2eText(t, ctx, "[data-testid=doctor-status]"); !strings.Contains(got, "pass") {
			t.Errorf("doctor summary %q, want all passing", got)
		}
		for i, tok := range sim.IssuedTokens() {
			secrets[fmt.Sprintf("token %d", i)] = tok
		}
		e2eAssertNoSecrets(t, ctx, "overview", secrets)
		e2eScreenshot(t, ctx, "overview", 1280)
		e2eDo(t, ctx, "press Tab", chromedp.KeyEvent("\t"))
		if got := e2eRun(t, ctx, chromedp.Evaluate[string](`document.activeElement.textContent.trim()`)); got != "Skip to content" {
			t.Errorf("the first Tab focuses %q, want the skip link", got)
		}
		e2eAssertFits(t, ctx, "overview", 420)

		// Storage account: masked keys, never a key.
		e2eDo(t, ctx, "open the account",
			chromedp.Click(chromedp.CSS("[data-testid=group-card] [data-testid=account-link]")),
			chromedp.WaitVisible(chromedp.CSS("[data-testid=account-title]")))
		masked := e2eRun(t, ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("[data-testid=key-masked]"), e => e.textContent.trim())`))
		if len(masked) != 2 || !strings.HasPrefix(masked[0], key1[:4]) || !strings.HasSuffix(masked[0], key1[len(key1)-4:]) {
			t.Errorf("masked keys %q, want 2 showing the ends of key1 %s…%s", masked, key1[:4], key1[len(key1)-4:])
		}
		e2eAssertNoSecrets(t, ctx, "storage account", secrets)

		// Create a container through the form.
		container := fmt.Sprintf("e2e%d", time.Now().UnixNano()%1e9)
		e2eDo(t, ctx, "create a container",
			chromedp.SendKeys(chromedp.ID("container-name"), container),
			chromedp.Click(chromedp.CSS("[data-testid=container-create]")))
		rowLink := fmt.Sprintf(`[data-testid=container-row] a[href$="/containers/%s"]`, container)
		e2eWait(t, ctx, "the new container row", fmt.Sprintf(`document.querySelector(%q)`, rowLink))
		e2eScreenshot(t, ctx, "storage-account", 1280)

		// A few blobs beside the upload, so the listing looks like one.
		for name, ct := range map[string]string{
			"README.txt": "text/plain", "reports/2025-q1.csv": "text/csv",
			"reports/2025-q2.csv": "text/csv", "backup-2025-06-30.tar.gz": "application/gzip",
		} {
			path := "/api/v1/storage-accounts/" + azuresim.DefaultAccount + "/containers/" + container + "/blobs/" + name
			if code, body := d.api(t, http.MethodPut, path, ct, bytes.Repeat([]byte(name+"\n"), 700)); code != http.StatusCreated {
				t.Fatalf("seeding %s: %d %s", name, code, body)
			}
		}

		e2eDo(t, ctx, "open the container",
			chromedp.Click(chromedp.CSS(rowLink)),
			chromedp.WaitVisible(chromedp.CSS("[data-testid=upload-form]")))
		if got := e2eText(t, ctx, "[data-testid=container-title]"); got != container {
			t.Errorf("container page title %q, want %q", got, container)
		}

		// Upload ~3 MiB of random bytes with the form.
		data := make([]byte, 3<<20+12345)
		_, _ = rand.Read(data)
		const name = "random-3MiB.bin"
		file := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		e2eDo(t, ctx, "upload",
			chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{file}),
			chromedp.Click(chromedp.CSS("[data-testid=upload-submit]")))
		row := fmt.Sprintf(`[data-testid=blob-row][data-name=%q]`, name)
		e2eWait(t, ctx, "the uploaded blob's row", fmt.Sprintf(`document.querySelector(%q)`, row))
		pct := e2eRun(t, ctx, chromedp.Evaluate[string](
			`(p => p.getAttribute("data-percent") || String(p.value))(document.querySelector("[data-testid=upload-progress]"))`))
		if pct == "" || pct == "0" {
			t.Errorf("upload progress %q, want above 0", pct)
		}
		if got := e2eText(t, ctx, row+" td.num"); got != "3.0 MiB" {
			t.Errorf("size shown %q, want 3.0 MiB", got)
		}
		e2eAssertFits(t, ctx, "container", 420)
		e2eScreenshot(t, ctx, "container", 1280)
		e2eScreenshot(t, ctx, "container-narrow", 420)

		// Download it through the link and compare the bytes.
		dlDir := t.TempDir()
		if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dlDir}); err != nil {
			t.Fatal(err)
		}
		e2eDo(t, ctx, "download", chromedp.Click(chromedp.CSS(row+" [data-testid=blob-download]")))
		got := e2eWaitFile(t, filepath.Join(dlDir, name), int64(len(data)))
		if !bytes.Equal(got, data) {
			t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
		}

		// Delete it, accepting the confirmation.
		dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
		confirmed := make(chan string, 1)
		go func() {
			for ev, err := range dialogs {
				if err != nil {
					return
				}
				confirmed <- ev.Message
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
				return
			}
		}()
		e2eDo(t, ctx, "delete", chromedp.Click(chromedp.CSS(row+" [data-testid=blob-delete]")))
		e2eWait(t, ctx, "the row to go", fmt.Sprintf(`!document.querySelector(%q)`, row))
		select {
		case msg := <-confirmed:
			if !strings.Contains(msg, name) {
				t.Errorf("confirmation %q does not name the blob", msg)
			}
		default:
			t.Error("the blob went without a confirmation")
		}
		path := "/api/v1/storage-accounts/" + azuresim.DefaultAccount + "/containers/" + container + "/blobs/" + name
		if code, _ := d.api(t, http.MethodHead, path, "", nil); code != http.StatusNotFound {
			t.Errorf("after delete HEAD answers %d, want 404", code)
		}

		// A refused upload answers in #alerts and leaves the form as filled.
		small := filepath.Join(t.TempDir(), "small.txt")
		if err := os.WriteFile(small, []byte("hello\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		e2eDo(t, ctx, "upload over an existing blob",
			chromedp.SendKeys(chromedp.ID("upload-name"), "README.txt"),
			chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{small}),
			chromedp.Click(chromedp.CSS("[data-testid=upload-submit]")))
		e2eWait(t, ctx, "the conflict alert", `document.querySelector("#alerts [data-testid=alert][data-code=BlobAlreadyExists]")`)
		if got := e2eRun(t, ctx, chromedp.Value(chromedp.ID("upload-name"))); got != "README.txt" {
			t.Errorf("after the refusal the name field holds %q", got)
		}
		if got := e2eRun(t, ctx, chromedp.Evaluate[int](`document.getElementById("upload-file").files.length`)); got != 1 {
			t.Errorf("after the refusal the form holds %d files, want the one chosen", got)
		}

		mu.Lock()
		defer mu.Unlock()
		for _, u := range requests {
			if !strings.HasPrefix(u, d.URL+"/") {
				t.Errorf("the pages made a request off the dashboard: %s", u)
			}
		}
		if leaks := e2eLeaks(d.logs.String(), secrets); len(leaks) > 0 {
			t.Errorf("the log holds secrets: %v", leaks)
		}
	})

	t.Run("failing doctor check shows its hint", func(t *testing.T) {
		sim := newSim(t)
		sim.RevokeRole(azuresim.RoleKeyOperator, sim.AccountScope(azuresim.DefaultAccount))
		d := e2eStartDashboard(t, sim)
		ctx := e2eTab(t, bctx)
		e2eDo(t, ctx, "login", chromedp.Navigate(d.LoginURL))
		e2eWait(t, ctx, "the doctor summary", `document.querySelector("[data-testid=doctor-card]")`)
		if got := e2eText(t, ctx, "[data-testid=doctor-hint]"); !strings.Contains(got, azuresim.RoleKeyOperator) {
			t.Errorf("overview doctor hint %q does not name %q", got, azuresim.RoleKeyOperator)
		}

		e2eDo(t, ctx, "open the doctor", chromedp.Navigate(d.URL+"/doctor"))
		e2eWait(t, ctx, "a failing check", `document.querySelector("[data-testid=check][data-status=fail]")`)
		hint := e2eText(t, ctx, "[data-testid=check][data-status=fail] [data-testid=check-hint]")
		if !strings.Contains(hint, azuresim.RoleKeyOperator) || !strings.Contains(hint, "az role assignment create") {
			t.Errorf("failing check hint %q, want the role and the az command", hint)
		}
		e2eAssertFits(t, ctx, "doctor", 420)
		e2eScreenshot(t, ctx, "doctor", 1280)

		// The account page still renders, the keys' error in place; a
		// forbidden action answers in #alerts and keeps what was typed.
		e2eDo(t, ctx, "open the account", chromedp.Navigate(d.URL+"/accounts/"+azuresim.DefaultAccount))
		e2eWait(t, ctx, "the account page", `document.querySelector("[data-testid=account-title]")`)
		e2eDo(t, ctx, "create a container without the key role",
			chromedp.SendKeys(chromedp.ID("container-name"), "notallowed"),
			chromedp.Click(chromedp.CSS("[data-testid=container-create]")))
		e2eWait(t, ctx, "the alert", `document.querySelector("#alerts [data-testid=alert-hint]")`)
		if got := e2eText(t, ctx, "#alerts [data-testid=alert-hint]"); !strings.Contains(got, azuresim.RoleKeyOperator) {
			t.Errorf("alert hint %q does not name %q", got, azuresim.RoleKeyOperator)
		}
		if got := e2eRun(t, ctx, chromedp.Value(chromedp.ID("container-name"))); got != "notallowed" {
			t.Errorf("the form lost its input: %q", got)
		}
	})

	t.Run("ARM 403 names the role to grant", func(t *testing.T) {
		sim := newSim(t)
		sim.RevokeRole(azuresim.RoleReader, sim.RGScope())
		d := e2eStartDashboard(t, sim)
		ctx := e2eTab(t, bctx)
		e2eDo(t, ctx, "login", chromedp.Navigate(d.LoginURL))
		e2eWait(t, ctx, "the group card's alert", `document.querySelector("[data-testid=group-card] [data-testid=alert-hint]")`)
		e2eDo(t, ctx, "open the resource group", chromedp.Navigate(d.URL+"/resource-group"))
		e2eWait(t, ctx, "the alert", `document.querySelector("[data-testid=alert-hint]")`)
		hint := e2eText(t, ctx, "[data-testid=alert-hint]")
		for _, want := range []string{`"Reader"`, "az role assignment create", sim.RGScope()} {
			if !strings.Contains(hint, want) {
				t.Errorf("hint %q lacks %q", hint, want)
			}
		}
	})

	t.Run("cross-origin form post is refused", func(t *testing.T) {
		sim := newSim(t)
		d := e2eStartDashboard(t, sim)
		ctx := e2eTab(t, bctx)
		e2eDo(t, ctx, "login", chromedp.Navigate(d.LoginURL))
		e2eWait(t, ctx, "the overview", `document.querySelector("[data-testid=token-card]")`)

		const evil = "crossorigin"
		target := d.URL + "/accounts/" + azuresim.DefaultAccount + "/containers"
		attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/go.js" {
				w.Header().Set("Content-Type", "text/javascript")
				fmt.Fprint(w, `document.forms[0].submit();`)
				return
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!DOCTYPE html><form method="post" action="%s"><input name="name" value="%s"></form><script src="/go.js"></script>`, target, evil)
		}))
		t.Cleanup(attacker.Close)

		e2eDo(t, ctx, "visit the other site", chromedp.Navigate(attacker.URL))
		e2eWait(t, ctx, "the post to land", fmt.Sprintf(`location.href.startsWith(%q)`, d.URL))
		e2eWait(t, ctx, "the refusal", `document.querySelector("[data-testid=alert][data-code=CSRFRejected]")`)
		code, body := d.api(t, http.MethodGet, "/api/v1/storage-accounts/"+azuresim.DefaultAccount+"/containers", "", nil)
		if code != http.StatusOK {
			t.Fatalf("listing containers: %d %s", code, body)
		}
		var list struct{ Containers []struct{ Name string } }
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		for _, c := range list.Containers {
			if c.Name == evil {
				t.Errorf("the cross-origin post created container %q", evil)
			}
		}
	})
}

// e2eWaitFile waits for Chromium to finish a download and returns its bytes.
func e2eWaitFile(t *testing.T, path string, size int64) []byte {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if fi, err := os.Stat(path); err == nil && fi.Size() == size {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(filepath.Dir(path))
			t.Fatalf("no complete download at %s; the directory holds %v", path, entries)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
