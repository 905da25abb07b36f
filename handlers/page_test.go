package handlers

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/msidash/msidash/web"
)

// uploadForm builds the container page's multipart form as a browser sends it.
func uploadFormBody(t *testing.T, fields [][2]string, fileName string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func TestPages_UploadFormAndDelete(t *testing.T) {
	te := newEnv(t, envOptions{azurite: true})
	mustCreateContainer(t, te, "docs")
	ck := te.login()
	post := func(path string, body *bytes.Buffer, ctype string, htmx bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, path, body)
		r.AddCookie(ck)
		r.Header.Set("Content-Type", ctype)
		r.Header.Set(csrfHeader, te.csrfFor(ck))
		if htmx {
			r.Header.Set("HX-Request", "true")
		}
		return te.do(r)
	}
	// Plain form (no JavaScript): post, then redirect back to the folder.
	body, ct := uploadFormBody(t, [][2]string{{"prefix", "reports/"}, {"name", ""}}, "q1.txt", []byte("first quarter"))
	rec := post(web.UploadPath(acct, "docs"), body, ct, false)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != web.FolderPath(acct, "docs", "reports/") {
		t.Fatalf("plain upload: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// htmx: the listing comes back in place with the new row.
	body, ct = uploadFormBody(t, [][2]string{{"prefix", "reports/"}, {"name", "q2.txt"}}, "ignored.txt", []byte("second quarter"))
	rec = post(web.UploadPath(acct, "docs"), body, ct, true)
	if rec.Code != http.StatusCreated {
		t.Fatalf("htmx upload: %d %s", rec.Code, rec.Body.String())
	}
	doc := parseHTML(t, rec)
	if doc.Find(`[data-testid="blob-row"][data-name="reports/q2.txt"]`).Length() != 1 || !strings.Contains(doc.Find(`[data-testid="notice"]`).Text(), "reports/q2.txt") {
		t.Fatalf("fragment lacks the new row: %s", rec.Body.String())
	}
	// Same name without "replace": refused in place, the blob unchanged.
	body, ct = uploadFormBody(t, [][2]string{{"prefix", "reports/"}, {"name", "q2.txt"}}, "x.txt", []byte("overwrite attempt"))
	rec = post(web.UploadPath(acct, "docs"), body, ct, true)
	if rec.Code != http.StatusConflict || rec.Header().Get("HX-Retarget") != "#alerts" {
		t.Fatalf("overwrite refusal: %d %v", rec.Code, rec.Header())
	}
	if hint := parseHTML(t, rec).Find(`[data-testid="alert-hint"]`).Text(); !strings.Contains(hint, "Replace") {
		t.Fatalf("refusal hint %q", hint)
	}
	if got := te.api(http.MethodGet, blobURL("docs", "reports/q2.txt"), nil).Body.String(); got != "second quarter" {
		t.Fatalf("blob changed to %q", got)
	}
	// With "replace" ticked it overwrites.
	body, ct = uploadFormBody(t, [][2]string{{"prefix", "reports/"}, {"name", "q2.txt"}, {"overwrite", "1"}}, "x.txt", []byte("revised"))
	if rec = post(web.UploadPath(acct, "docs"), body, ct, true); rec.Code != http.StatusCreated {
		t.Fatalf("overwrite: %d", rec.Code)
	}
	// Bad forms.
	for _, tc := range []struct {
		name       string
		fields     [][2]string
		file       string
		expectCode string
	}{
		{name: "no file", fields: [][2]string{{"name", "x"}}, expectCode: "NoFile"},
		{name: "unknown field", fields: [][2]string{{"evil", "1"}}, file: "a.txt", expectCode: "UnexpectedField"},
		{name: "long field", fields: [][2]string{{"name", strings.Repeat("n", maxFieldBytes+1)}}, file: "a.txt", expectCode: "FieldTooLong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := uploadFormBody(t, tc.fields, tc.file, []byte("x"))
			rec := post(web.UploadPath(acct, "docs"), body, ct, true)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.expectCode) {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		})
	}
	// The folder page lists it; delete via htmx returns the listing without it.
	rec = te.page(http.MethodGet, web.FolderPath(acct, "docs", "reports/"), nil, ck, false)
	if parseHTML(t, rec).Find(`[data-testid="blob-row"]`).Length() != 2 {
		t.Fatalf("folder page: %d %s", rec.Code, rec.Body.String())
	}
	r := httptest.NewRequest(http.MethodPost, web.BlobDeletePath(acct, "docs", "reports/q1.txt"), nil)
	r.AddCookie(ck)
	r.Header.Set(csrfHeader, te.csrfFor(ck))
	r.Header.Set("HX-Request", "true")
	rec = te.do(r)
	doc = parseHTML(t, rec)
	if rec.Code != http.StatusOK || doc.Find(`[data-name="reports/q1.txt"]`).Length() != 0 || doc.Find(`[data-name="reports/q2.txt"]`).Length() != 1 {
		t.Fatalf("delete fragment: %d %s", rec.Code, rec.Body.String())
	}
}

// SEC-9: names are user data; templ escapes them everywhere they appear.
func TestPages_NamesAreEscaped(t *testing.T) {
	te := newEnv(t, envOptions{azurite: true})
	mustCreateContainer(t, te, "xss")
	evil := []string{`<img src=x onerror=alert(1)>.txt`, `"><svg onload=alert(1)>`, `javascript:alert(1)`}
	for _, name := range evil {
		if rec := te.api(http.MethodPut, blobURL("xss", name), strings.NewReader("x")); rec.Code != http.StatusCreated {
			t.Fatalf("upload %q: %d %s", name, rec.Code, rec.Body.String())
		}
	}
	ck := te.login()
	rec := te.page(http.MethodGet, web.ContainerPath(acct, "xss"), nil, ck, false)
	if rec.Code != http.StatusOK {
		t.Fatalf("container page: %d", rec.Code)
	}
	html := rec.Body.String()
	for _, raw := range []string{"<img src=x", "<svg onload", `href="javascript:`} {
		if strings.Contains(html, raw) {
			t.Fatalf("unescaped %q in the page", raw)
		}
	}
	doc := parseHTML(t, rec)
	if n := doc.Find("img, svg").Length(); n != 0 {
		t.Fatalf("%d img elements injected", n)
	}
	if n := doc.Find("script:not([src])").Length(); n != 0 {
		t.Fatalf("%d inline scripts in the page", n)
	}
	// Each evil name is shown as text in its row.
	for _, name := range evil {
		if doc.Find(`[data-testid="blob-row"]`).FilterFunction(func(_ int, s *goquery.Selection) bool { return s.AttrOr("data-name", "") == name }).Length() != 1 {
			t.Errorf("row for %q missing", name)
		}
	}
}

// Every path builder of web leads to a registered route.
func TestPaths_MatchRoutes(t *testing.T) {
	te := newEnv(t, envOptions{})
	blob := "dir/a b%c#d?.txt"
	tests := []struct {
		method string
		path   string
	}{
		{http.MethodGet, web.OverviewPath()},
		{http.MethodGet, web.ResourceGroupPath()},
		{http.MethodGet, web.DoctorPath()},
		{http.MethodPost, web.TokenRefreshPath()},
		{http.MethodPost, web.RefreshPath()},
		{http.MethodGet, web.AccountPath(acct)},
		{http.MethodPost, web.CreateContainerPath(acct)},
		{http.MethodGet, web.ContainerPath(acct, "c1")},
		{http.MethodGet, web.FolderPath(acct, "c1", "dir/")},
		{http.MethodPost, web.UploadPath(acct, "c1")},
		{http.MethodGet, web.BlobPath(acct, "c1", blob)},
		{http.MethodPost, web.BlobDeletePath(acct, "c1", blob)},
		{http.MethodGet, web.APIBlobPath(acct, "c1", blob)},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			u, err := url.Parse(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			c := te.e.NewContext(httptest.NewRequest(tt.method, tt.path, nil), httptest.NewRecorder())
			te.e.Router().Find(tt.method, echoPath(u), c)
			if c.Path() == "" || c.Path() == "/*" {
				t.Fatalf("no route for %s %s", tt.method, tt.path)
			}
			if strings.Contains(c.Path(), "*") {
				c.SetRequest(httptest.NewRequest(tt.method, tt.path, nil))
				got, err := param(c, "*")
				if err != nil || got != blob {
					t.Fatalf("blob param %q (%v), want %q", got, err, blob)
				}
			}
		})
	}
}

// echoPath is the path Echo routes on: the raw one when it differs.
func echoPath(u *url.URL) string {
	if u.RawPath != "" {
		return u.RawPath
	}
	return u.Path
}
