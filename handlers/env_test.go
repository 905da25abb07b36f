package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/labstack/echo/v4"

	"github.com/msidash/msidash/azureclient"
	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/azuritetest"
	"github.com/msidash/msidash/azureclient/secrets"
	"github.com/msidash/msidash/azureclient/secrets/secrettest"
)

const testSecret = "test-access-secret-0123456789abcdef"

// env is the real stack under test: simulator → azureclient → handlers →
// Echo, with Azurite for blobs when a test asks for it.
type env struct {
	t      testing.TB
	e      *echo.Echo
	sim    *azuresim.Sim
	az     *azuritetest.Azurite
	tokens *azureclient.TokenSource
	arm    *azureclient.ARM
	logs   *secrettest.Buffer
	bodies *secrettest.Buffer // every response body, scanned for secrets at the end
}

type envOptions struct {
	azurite bool
	armURL  string // ARM endpoint other than the simulator (e.g. a closed port)
	sim     []azuresim.Option
}

func fastRetry() azcore.ClientOptions {
	return azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond, TryTimeout: 5 * time.Second}}
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	te := &env{t: t, logs: &secrettest.Buffer{}, bodies: &secrettest.Buffer{}}
	simOpts := o.sim
	if o.azurite {
		te.az = azuritetest.Start(t, azuritetest.Account{Name: azuresim.DefaultAccount, Key1: azuresim.DemoKey1, Key2: azuresim.DemoKey2})
		simOpts = append([]azuresim.Option{azuresim.WithAccounts(azuresim.Account{
			Name: azuresim.DefaultAccount, BlobEndpoint: te.az.BlobEndpoint(azuresim.DefaultAccount)})}, simOpts...)
	}
	te.sim = azuresim.Start(t, simOpts...)
	red := secrets.New()
	log := slog.New(red.Handler(slog.NewJSONHandler(te.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	var err error
	te.tokens, err = azureclient.NewTokenSource(&azureclient.TokenSourceOptions{
		IMDSEndpoint: te.sim.URL(), Logger: log, Redactor: red, ClientOptions: fastRetry(), StatusWait: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	armURL := te.sim.URL()
	if o.armURL != "" {
		armURL = o.armURL
	}
	te.arm, err = azureclient.NewARM(te.tokens, &azureclient.ARMOptions{
		Endpoint: armURL, SubscriptionID: azuresim.DefaultSubscriptionID, ResourceGroup: azuresim.DefaultResourceGroup,
		ClientOptions: fastRetry(), Logger: log, Redactor: red,
	})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := azureclient.NewBlobs(te.arm, te.tokens, &azureclient.BlobsOptions{Logger: log, ClientOptions: fastRetry(), BlockSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	doctor := azureclient.NewDoctor(azureclient.DoctorDeps{Tokens: te.tokens, ARM: te.arm, Blobs: blobs, IMDSEndpoint: te.sim.URL(), Logger: log})
	h := New(Deps{
		Logger: log, Tokens: te.tokens, ARM: te.arm, Blobs: blobs, Doctor: doctor,
		Instance: func(ctx context.Context) (azureclient.Instance, error) {
			return azureclient.GetInstance(ctx, te.sim.URL(), &azureclient.InstanceOptions{ClientOptions: fastRetry()})
		},
		Guard: NewGuard(testSecret, time.Now),
	})
	te.e = echo.New()
	h.Register(te.e)
	t.Cleanup(te.assertNoLeaks)
	return te
}

// assertNoLeaks fails the test if any piece longer than 8 characters of the
// access secret, an issued token or a storage key is in any response body or
// log line the test produced.
func (te *env) assertNoLeaks() {
	k1, k2 := te.sim.Keys(azuresim.DefaultAccount)
	known := append([]string{testSecret, azuresim.DemoKey1, azuresim.DemoKey2, k1, k2}, te.sim.IssuedTokens()...)
	secrettest.AssertNone(te.t, "the response bodies", te.bodies.String(), known...)
	secrettest.AssertNone(te.t, "the log", te.logs.String(), known...)
}

// do sends r through Echo and records the body for the leak scan.
func (te *env) do(r *http.Request) *httptest.ResponseRecorder {
	te.t.Helper()
	if r.Host == "" || r.Host == "example.com" {
		r.Host = "localhost:8080"
	}
	rec := httptest.NewRecorder()
	te.e.ServeHTTP(rec, r)
	te.bodies.Write(rec.Body.Bytes())
	return rec
}

// api sends a bearer-authenticated API request.
func (te *env) api(method, path string, body io.Reader) *httptest.ResponseRecorder {
	te.t.Helper()
	r := httptest.NewRequest(method, path, body)
	r.Header.Set("Authorization", "Bearer "+testSecret)
	if body != nil && method != http.MethodPut {
		r.Header.Set("Content-Type", "application/json")
	}
	return te.do(r)
}

// login returns a session cookie, as a browser gets it from the login URL.
func (te *env) login() *http.Cookie {
	te.t.Helper()
	rec := te.do(httptest.NewRequest(http.MethodGet, "/?token="+testSecret, nil))
	if rec.Code != http.StatusFound {
		te.t.Fatalf("login: status %d", rec.Code)
	}
	for _, c := range rec.Result().Cookies() {
		if strings.HasPrefix(c.Name, sessionCookieName) {
			return c
		}
	}
	te.t.Fatal("login set no session cookie")
	return nil
}

// page sends a cookie-authenticated request, with the CSRF token of the
// session when csrf is true.
func (te *env) page(method, path string, body io.Reader, ck *http.Cookie, csrf bool) *httptest.ResponseRecorder {
	te.t.Helper()
	r := httptest.NewRequest(method, path, body)
	r.AddCookie(ck)
	if csrf {
		r.Header.Set(csrfHeader, te.csrfFor(ck))
	}
	return te.do(r)
}

// csrfFor reads the session's CSRF token from a page, as htmx does.
func (te *env) csrfFor(ck *http.Cookie) string {
	te.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/doctor", nil)
	r.Host = "localhost:8080"
	r.AddCookie(ck)
	rec := httptest.NewRecorder()
	te.e.ServeHTTP(rec, r)
	body := rec.Body.String()
	i := strings.Index(body, "X-CSRF-Token&#34;:&#34;")
	if i < 0 {
		te.t.Fatalf("no CSRF token in the page (status %d)", rec.Code)
	}
	rest := body[i+len("X-CSRF-Token&#34;:&#34;"):]
	return rest[:strings.Index(rest, "&#34;")]
}
