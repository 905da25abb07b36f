package handlers

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/web"
)

const acct = azuresim.DefaultAccount

func blobURL(container, blob string) string { return web.APIBlobPath(acct, container, blob) }

func mustCreateContainer(t *testing.T, te *env, name string) {
	t.Helper()
	rec := te.api(http.MethodPost, "/api/v1/storage-accounts/"+acct+"/containers", strings.NewReader(`{"name":"`+name+`"}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create container %s: %d %s", name, rec.Code, rec.Body.String())
	}
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAPIContainers(t *testing.T) {
	te := newEnv(t, envOptions{azurite: true})
	mustCreateContainer(t, te, "photos")
	tests := []struct {
		name         string
		givenBody    string
		expectStatus int
		expectCode   string
	}{
		{name: "exists", givenBody: `{"name":"photos"}`, expectStatus: http.StatusConflict},
		{name: "upper case", givenBody: `{"name":"Photos"}`, expectStatus: http.StatusBadRequest, expectCode: "InvalidContainerName"},
		{name: "too short", givenBody: `{"name":"ab"}`, expectStatus: http.StatusBadRequest, expectCode: "InvalidContainerName"},
		{name: "double hyphen", givenBody: `{"name":"a--b"}`, expectStatus: http.StatusBadRequest, expectCode: "InvalidContainerName"},
		{name: "not json", givenBody: `name=x`, expectStatus: http.StatusBadRequest, expectCode: "InvalidBody"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := te.api(http.MethodPost, "/api/v1/storage-accounts/"+acct+"/containers", strings.NewReader(tt.givenBody))
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body.String())
			}
			if tt.expectCode != "" {
				assertErrorCode(t, rec, tt.expectCode)
			}
		})
	}
	rec := te.api(http.MethodGet, "/api/v1/storage-accounts/"+acct+"/containers", nil)
	var out containersJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(out.Containers) != 1 || out.Containers[0].Name != "photos" {
		t.Fatalf("list: %d %s", rec.Code, rec.Body.String())
	}
}

func TestAPIBlobs_RoundTrip(t *testing.T) {
	te := newEnv(t, envOptions{azurite: true})
	mustCreateContainer(t, te, "data")
	tests := []struct {
		name      string
		givenBlob string
		givenSize int
	}{
		{name: "empty", givenBlob: "empty.bin", givenSize: 0},
		{name: "one byte", givenBlob: "one.bin", givenSize: 1},
		{name: "block plus one", givenBlob: "dir/sub/block plus one.bin", givenSize: 256<<10 + 1},
		{name: "unicode and specials", givenBlob: "naïve ünï/a%b#c?d;e.txt", givenSize: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := randomBytes(t, tt.givenSize)
			rec := te.api(http.MethodPut, blobURL("data", tt.givenBlob), bytes.NewReader(data))
			if rec.Code != http.StatusCreated {
				t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
			}
			var up uploadJSON
			_ = json.Unmarshal(rec.Body.Bytes(), &up)
			sum := md5.Sum(data)
			if up.Name != tt.givenBlob || up.Size != int64(tt.givenSize) || up.ETag == "" || up.ContentMD5 != base64.StdEncoding.EncodeToString(sum[:]) {
				t.Fatalf("upload answer %+v", up)
			}
			rec = te.api(http.MethodGet, blobURL("data", tt.givenBlob), nil)
			if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), data) {
				t.Fatalf("download: %d, %d bytes", rec.Code, rec.Body.Len())
			}
			h := rec.Header()
			if h.Get("Content-Length") != fmt.Sprint(tt.givenSize) || h.Get("ETag") == "" || h.Get("Content-MD5") != up.ContentMD5 {
				t.Fatalf("download headers %v", h)
			}
			head := te.api(http.MethodHead, blobURL("data", tt.givenBlob), nil)
			if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != fmt.Sprint(tt.givenSize) {
				t.Fatalf("HEAD: %d %v", head.Code, head.Header())
			}
		})
	}
	rec := te.api(http.MethodGet, "/api/v1/storage-accounts/"+acct+"/containers/data/blobs?prefix=dir/", nil)
	var list blobsJSON
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.Blobs) != 1 || list.Blobs[0].Name != "dir/sub/block plus one.bin" {
		t.Fatalf("list with prefix: %d %s", rec.Code, rec.Body.String())
	}
}

func TestAPIBlobs_ConditionsAndErrors(t *testing.T) {
	te := newEnv(t, envOptions{azurite: true})
	mustCreateContainer(t, te, "data")
	original := []byte("the original content")
	if rec := te.api(http.MethodPut, blobURL("data", "keep.txt"), bytes.NewReader(original)); rec.Code != http.StatusCreated {
		t.Fatalf("upload: %d", rec.Code)
	}
	tests := []struct {
		name         string
		givenBlob    string
		givenHeaders map[string]string
		expectStatus int
		expectCode   string
	}{
		{name: "no overwrite", givenBlob: "keep.txt", givenHeaders: map[string]string{"If-None-Match": "*"}, expectStatus: http.StatusConflict},
		{name: "wrong md5", givenBlob: "keep.txt", givenHeaders: map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(make([]byte, 16))}, expectStatus: http.StatusBadRequest},
		{name: "malformed md5", givenBlob: "keep.txt", givenHeaders: map[string]string{"Content-MD5": "nope"}, expectStatus: http.StatusBadRequest, expectCode: "InvalidContentMD5"},
		{name: "etag if-none-match", givenBlob: "keep.txt", givenHeaders: map[string]string{"If-None-Match": `"x"`}, expectStatus: http.StatusBadRequest, expectCode: "InvalidIfNoneMatch"},
		{name: "dot segment", givenBlob: "a/../keep.txt", expectStatus: http.StatusBadRequest, expectCode: "InvalidBlobName"},
		{name: "empty segment", givenBlob: "a//b", expectStatus: http.StatusBadRequest, expectCode: "InvalidBlobName"},
		{name: "trailing slash", givenBlob: "a/", expectStatus: http.StatusBadRequest, expectCode: "InvalidBlobName"},
		{name: "backslash", givenBlob: `a\b`, expectStatus: http.StatusBadRequest, expectCode: "InvalidBlobName"},
		{name: "control character", givenBlob: "a\x01b", expectStatus: http.StatusBadRequest, expectCode: "InvalidBlobName"},
		{name: "too long", givenBlob: strings.Repeat("x", 1025), expectStatus: http.StatusBadRequest, expectCode: "InvalidBlobName"},
		{name: "missing container", givenBlob: "x.txt", expectStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := blobURL("data", tt.givenBlob)
			if tt.name == "missing container" {
				url = blobURL("nosuch", tt.givenBlob)
			}
			r := httptest.NewRequest(http.MethodPut, url, strings.NewReader("replacement"))
			r.Header.Set("Authorization", "Bearer "+testSecret)
			for k, v := range tt.givenHeaders {
				r.Header.Set(k, v)
			}
			rec := te.do(r)
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body.String())
			}
			if tt.expectCode != "" {
				assertErrorCode(t, rec, tt.expectCode)
			}
		})
	}
	if rec := te.api(http.MethodGet, blobURL("data", "keep.txt"), nil); !bytes.Equal(rec.Body.Bytes(), original) {
		t.Fatalf("the original blob changed: %q", rec.Body.String())
	}
	if rec := te.api(http.MethodDelete, blobURL("data", "keep.txt"), nil); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", rec.Code)
	}
	rec := te.api(http.MethodDelete, blobURL("data", "keep.txt"), nil)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("delete again: %d", rec.Code)
	}
	assertErrorShape(t, rec)
	rec = te.api(http.MethodGet, blobURL("data", "keep.txt"), nil)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("download missing: %d", rec.Code)
	}
	assertErrorShape(t, rec)
}

// SEC-10: a blob name cannot inject headers into the download answer.
func TestAPIBlobs_DownloadHeadersSafe(t *testing.T) {
	te := newEnv(t, envOptions{azurite: true})
	mustCreateContainer(t, te, "data")
	for _, name := range []string{`quote".txt`, `semi;colon=x.txt`, "naïve.pdf", `page.html`, strings.Repeat("é", 300)} {
		t.Run(name[:min(len(name), 20)], func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPut, blobURL("data", name), strings.NewReader("<script>alert(1)</script>"))
			r.Header.Set("Authorization", "Bearer "+testSecret)
			r.Header.Set("Content-Type", "text/html")
			if rec := te.do(r); rec.Code != http.StatusCreated {
				t.Fatalf("upload: %d %s", rec.Code, rec.Body.String())
			}
			rec := te.api(http.MethodGet, blobURL("data", name), nil)
			cd := rec.Header().Values("Content-Disposition")
			if len(cd) != 1 {
				t.Fatalf("Content-Disposition %q", cd)
			}
			disp, params, err := mime.ParseMediaType(cd[0])
			if err != nil || disp != "attachment" || params["filename"] != name {
				t.Fatalf("Content-Disposition %q parses to %q %v (%v)", cd[0], disp, params, err)
			}
			if rec.Header().Get("Content-Security-Policy") != downloadCSP || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("user content not sandboxed: %v", rec.Header())
			}
		})
	}
}

// An upload cut off half-way leaves no blob and an existing one unchanged
// (UP-2), whether a raw PUT or the page's multipart form (UP-3).
func TestUpload_InterruptedCommitsNothing(t *testing.T) {
	te := newEnv(t, envOptions{azurite: true})
	mustCreateContainer(t, te, "data")
	original := []byte("still here")
	te.api(http.MethodPut, blobURL("data", "old.bin"), bytes.NewReader(original))
	srv := httptest.NewServer(te.e)
	t.Cleanup(srv.Close)
	ck := te.login()
	csrf := te.csrfFor(ck)
	half := randomBytes(t, 600<<10)

	rawPut := func(blob string) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: localhost:8080\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", blobURL("data", blob), testSecret, 2*len(half))
		conn.Write(half)
		conn.Close()
	}
	multipartCut := func(blob string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("name", blob)
		_ = mw.WriteField("overwrite", "1")
		fw, _ := mw.CreateFormFile("file", "x.bin")
		fw.Write(half) // no closing boundary: the browser went away
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s?csrf=%s HTTP/1.1\r\nHost: localhost:8080\r\nCookie: %s=%s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
			web.UploadPath(acct, "data"), csrf, ck.Name, ck.Value, mw.FormDataContentType(), buf.Len()+1000)
		conn.Write(buf.Bytes())
		conn.Close()
	}
	for _, tc := range []struct {
		name string
		send func(blob string)
	}{{"raw", rawPut}, {"multipart", multipartCut}} {
		t.Run(tc.name, func(t *testing.T) {
			before := requestsLogged(te)
			tc.send("new-" + tc.name + ".bin")
			tc.send("old.bin")
			// Both requests finished on the server side: nothing can commit later.
			waitFor(t, func() bool { return requestsLogged(te) >= before+2 })
			if rec := te.api(http.MethodHead, blobURL("data", "new-"+tc.name+".bin"), nil); rec.Code != http.StatusNotFound {
				t.Fatalf("a cut-off upload left a blob: %d", rec.Code)
			}
			if rec := te.api(http.MethodGet, blobURL("data", "old.bin"), nil); !bytes.Equal(rec.Body.Bytes(), original) {
				t.Fatalf("a cut-off upload replaced the old blob (%d bytes)", rec.Body.Len())
			}
		})
	}
}

// requestsLogged counts finished requests: the request log writes a line
// when the handler has returned.
func requestsLogged(te *env) int {
	return strings.Count(te.logs.String(), `"msg":"request"`)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func assertErrorShape(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	var body struct {
		Error *errorDetail `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == nil || body.Error.Code == "" {
		t.Fatalf("not the contract's error shape: %q", rec.Body.String())
	}
}
