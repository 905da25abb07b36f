package azureclient

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/msidash/msidash/azureclient/azuresim"
	"github.com/msidash/msidash/azureclient/secrets/secrettest"
)

func TestImdsRequest(t *testing.T) {
	tests := []struct {
		name          string
		givenID       Identity
		expectParam   string
		expectIDValue string
	}{
		{name: "system-assigned"},
		{name: "client id", givenID: ClientID("c1"), expectParam: "client_id", expectIDValue: "c1"},
		{name: "object id", givenID: ObjectID("o1"), expectParam: "object_id", expectIDValue: "o1"},
		{name: "resource id", givenID: ResourceID("/subscriptions/s/x"), expectParam: "msi_res_id", expectIDValue: "/subscriptions/s/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := imdsRequest(context.Background(), "http://169.254.169.254", ResourceARM, tt.givenID)
			if err != nil {
				t.Fatal(err)
			}
			raw := req.Raw()
			if raw.Method != http.MethodGet || raw.URL.Path != imdsTokenPath || raw.Header.Get("Metadata") != "true" {
				t.Errorf("request = %s %s Metadata=%q", raw.Method, raw.URL.Path, raw.Header.Get("Metadata"))
			}
			q := raw.URL.Query()
			if q.Get("api-version") != "2018-02-01" || q.Get("resource") != ResourceARM {
				t.Errorf("query = %v", q)
			}
			wantLen := 2
			if tt.expectParam != "" {
				wantLen = 3
				if got := q.Get(tt.expectParam); got != tt.expectIDValue {
					t.Errorf("%s = %q, want %q", tt.expectParam, got, tt.expectIDValue)
				}
			}
			for k, v := range q {
				if len(v) != 1 {
					t.Errorf("parameter %s sent %d times", k, len(v))
				}
			}
			if len(q) != wantLen {
				t.Errorf("query has %d parameters, want %d: %v", len(q), wantLen, q)
			}
		})
	}
}

func TestMsiExtensionRequest(t *testing.T) {
	tests := []struct {
		name       string
		givenID    Identity
		expectForm url.Values
	}{
		{name: "system-assigned", expectForm: url.Values{"resource": {ResourceARM}}},
		{name: "client id", givenID: ClientID("c1"), expectForm: url.Values{"resource": {ResourceARM}, "client_id": {"c1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := msiExtensionRequest(context.Background(), "http://localhost:50342/oauth2/token", ResourceARM, tt.givenID)
			if err != nil {
				t.Fatal(err)
			}
			raw := req.Raw()
			if raw.Method != http.MethodPost || raw.URL.String() != "http://localhost:50342/oauth2/token" ||
				raw.Header.Get("Metadata") != "true" || raw.Header.Get("Content-Type") != contentTypeForm {
				t.Errorf("request = %s %s headers %v", raw.Method, raw.URL, raw.Header)
			}
			body, _ := io.ReadAll(req.Body())
			form, err := url.ParseQuery(string(body))
			if err != nil || form.Encode() != tt.expectForm.Encode() {
				t.Errorf("form = %q, want %q", body, tt.expectForm.Encode())
			}
		})
	}
}

func TestMsiExtensionURL(t *testing.T) {
	tests := []struct{ given, expect string }{
		{given: "http://localhost:50342", expect: "http://localhost:50342/oauth2/token"},
		{given: "http://localhost:50342/", expect: "http://localhost:50342/oauth2/token"},
		{given: "http://localhost:50342/oauth2/token", expect: "http://localhost:50342/oauth2/token"},
		{given: "http://127.0.0.1:8000/msi/token", expect: "http://127.0.0.1:8000/msi/token"},
	}
	for _, tt := range tests {
		t.Run(tt.given, func(t *testing.T) {
			if got := msiExtensionURL(tt.given); got != tt.expect {
				t.Errorf("msiExtensionURL = %q, want %q", got, tt.expect)
			}
		})
	}
}

func TestScopeToResource(t *testing.T) {
	tests := []struct {
		name        string
		givenScopes []string
		expect      string
		expectErr   bool
	}{
		{name: "ARM audience with slash", givenScopes: []string{"https://management.azure.com//.default"}, expect: "https://management.azure.com/"},
		{name: "storage", givenScopes: []string{"https://storage.azure.com/.default"}, expect: "https://storage.azure.com"},
		{name: "bare resource", givenScopes: []string{"https://vault.azure.net"}, expect: "https://vault.azure.net"},
		{name: "nil", givenScopes: nil, expectErr: true},
		{name: "empty", givenScopes: []string{}, expectErr: true},
		{name: "two", givenScopes: []string{"a/.default", "b/.default"}, expectErr: true},
		{name: "only the suffix", givenScopes: []string{"/.default"}, expectErr: true},
		{name: "whitespace", givenScopes: []string{"https://x y/.default"}, expectErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scopeToResource(tt.givenScopes)
			if tt.expectErr {
				tokAssertKind(t, err, KindInvalid)
				return
			}
			if err != nil || got != tt.expect {
				t.Errorf("scopeToResource = %q, %v; want %q", got, err, tt.expect)
			}
		})
	}
}

func TestParseTokenResponse(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		name       string
		givenBody  string
		expectExp  time.Time
		expectType string
		expectErr  bool
	}{
		{name: "IMDS strings", givenBody: `{"access_token":"t","expires_in":"3599","expires_on":"1700003599","not_before":"1699999999","token_type":"Bearer"}`,
			expectExp: time.Unix(1700003599, 0), expectType: "Bearer"},
		{name: "JSON numbers", givenBody: `{"access_token":"t","expires_in":3599,"expires_on":1700003599,"not_before":1699999999}`,
			expectExp: time.Unix(1700003599, 0), expectType: "Bearer"},
		{name: "expires_in only", givenBody: `{"access_token":"t","expires_in":"60"}`, expectExp: now.Add(time.Minute), expectType: "Bearer"},
		{name: "expires_on garbage", givenBody: `{"access_token":"t","expires_on":"15609740s28"}`, expectErr: true},
		{name: "expires_in empty string", givenBody: `{"access_token":"t","expires_in":""}`, expectErr: true},
		{name: "expires_on empty string", givenBody: `{"access_token":"t","expires_in":"60","expires_on":""}`, expectErr: true},
		{name: "not_before garbage", givenBody: `{"access_token":"t","expires_in":"60","not_before":"soon"}`, expectErr: true},
		{name: "negative", givenBody: `{"access_token":"t","expires_in":-5}`, expectErr: true},
		{name: "no expiry", givenBody: `{"access_token":"t"}`, expectErr: true},
		{name: "already expired", givenBody: `{"access_token":"t","expires_on":"1600000000"}`, expectErr: true},
		{name: "no token", givenBody: `{"expires_in":"60"}`, expectErr: true},
		{name: "not JSON", givenBody: `<html>proxy login</html>`, expectErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, exp, err := parseTokenResponse([]byte(tt.givenBody), now)
			if tt.expectErr {
				if err == nil {
					t.Fatalf("want an error, got expiry %v", exp)
				}
				if strings.Contains(err.Error(), "15609740s28") {
					t.Errorf("error repeats wire data: %v", err)
				}
				return
			}
			if err != nil || !exp.Equal(tt.expectExp) || tr.TokenType != tt.expectType {
				t.Errorf("parse = %v, %q, %v; want %v, %q", exp, tr.TokenType, err, tt.expectExp, tt.expectType)
			}
		})
	}
}

// tokRewriteExpiry is a fault-injecting step in front of the simulator: it
// replaces expires_on in the simulator's real answer with a garbage value.
type tokRewriteExpiry struct{ value string }

func (p tokRewriteExpiry) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return nil, err
	}
	i := bytes.Index(body, []byte(`"expires_on":"`))
	j := i + len(`"expires_on":"`)
	k := j + bytes.IndexByte(body[j:], '"')
	body = append(append(append([]byte{}, body[:j]...), p.value...), body[k:]...)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func TestTokenSource_GarbageExpiryNotCached(t *testing.T) {
	env := tokStart(t, nil, func(o *TokenSourceOptions, _ *azuresim.Sim) {
		o.ClientOptions.PerRetryPolicies = []policy.Policy{tokRewriteExpiry{value: "15609740s28"}}
	})
	for i := 1; i <= 2; i++ {
		tok, err := tokGet(t, env.ts, ResourceARM)
		if tok != "" {
			t.Fatal("a token with a garbage expiry was handed out")
		}
		e := tokAssertKind(t, err, KindUpstream)
		if e.Code != "InvalidTokenResponse" || strings.Contains(e.Error(), "15609740s28") {
			t.Errorf("error = %v (code %q)", e, e.Code)
		}
		if n := env.sim.Calls(azuresim.TokenPath); n != i {
			t.Fatalf("identity calls = %d, want %d: nothing may be cached", n, i)
		}
	}
	secrettest.AssertNone(t, "the log", env.logs.String(), env.sim.IssuedTokens()...)
	for _, tok := range env.sim.IssuedTokens() {
		if env.red.Redact(tok) == tok {
			t.Error("a token from an unusable answer was not given to the redactor")
		}
	}
}

func TestTokenSource_Errors(t *testing.T) {
	tests := []struct {
		name          string
		givenSim      []azuresim.Option
		givenID       Identity
		givenResource string
		givenDeadIMDS bool
		expectKind    Kind
		expectStatus  int
		expectHint    string // substring
	}{
		{name: "identity off", givenSim: []azuresim.Option{azuresim.WithIdentityOff()}, givenResource: ResourceARM,
			expectKind: KindNoIdentity, expectStatus: 400, expectHint: noIdentityHint},
		{name: "unknown user-assigned identity", givenID: ClientID("00000000-0000-0000-0000-000000000000"), givenResource: ResourceARM,
			expectKind: KindNoIdentity, expectStatus: 400, expectHint: "az vm identity assign -g <resource group> -n <vm name>"},
		{name: "invalid resource", givenResource: "https://example.com/",
			expectKind: KindInvalid, expectStatus: 400, expectHint: ResourceARM},
		{name: "IMDS unreachable", givenDeadIMDS: true, givenResource: ResourceARM,
			expectKind: KindUnavailable, expectHint: "169.254.169.254"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tokStart(t, tt.givenSim, func(o *TokenSourceOptions, _ *azuresim.Sim) {
				o.Identity = tt.givenID
				if tt.givenDeadIMDS {
					o.IMDSEndpoint = "http://127.0.0.1:1" // nothing listens on port 1
				}
			})
			_, err := tokGet(t, env.ts, tt.givenResource)
			e := tokAssertKind(t, err, tt.expectKind)
			if e.Op != "token" || e.Status != tt.expectStatus || !strings.Contains(e.Hint, tt.expectHint) {
				t.Errorf("error = %+v; want op token, status %d, hint with %q", e, tt.expectStatus, tt.expectHint)
			}
			// Bodies stay out: the simulator's AADSTS text must not surface.
			for _, s := range []string{e.Error(), e.Message, e.Hint} {
				if strings.Contains(s, "AADSTS") || strings.Contains(s, "{") {
					t.Errorf("error text carries the response body: %q", s)
				}
			}
			st, err := env.ts.Status(context.Background(), tt.givenResource)
			tokAssertKind(t, err, tt.expectKind)
			if KindOf(st.LastError) != tt.expectKind {
				t.Errorf("Status.LastError = %v", st.LastError)
			}
		})
	}
}
