package azuresim

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestSim_Token(t *testing.T) {
	tests := []struct {
		name         string
		givenOpts    []Option
		givenMethod  string
		givenURL     string
		givenHeader  map[string]string
		expectStatus int
		expectError  string // "error" field; "" for success
		expectDesc   string // error_description, when expectError is set
		expectClient string // client_id on success
	}{
		{name: "system identity", givenURL: tokenURL("https://management.azure.com/"), givenHeader: metadata,
			expectStatus: 200, expectClient: ClientID},
		{name: "metadata header missing", givenURL: tokenURL("https://management.azure.com/"),
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Required metadata header not specified"},
		{name: "metadata header false", givenURL: tokenURL("https://management.azure.com/"), givenHeader: map[string]string{"Metadata": "false"},
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Required metadata header not specified"},
		{name: "x-forwarded-for refused", givenURL: tokenURL("https://management.azure.com/"),
			givenHeader:  map[string]string{"Metadata": "true", "X-Forwarded-For": "10.0.0.9"},
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Request contains X-Forwarded-For header; requests through a proxy are refused"},
		{name: "api-version missing", givenURL: TokenPath + "?resource=https://management.azure.com/", givenHeader: metadata,
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Required query variable 'api-version' is missing"},
		{name: "api-version too old", givenURL: TokenPath + "?api-version=2017-09-01&resource=https://management.azure.com/", givenHeader: metadata,
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Invalid or unsupported api-version '2017-09-01'"},
		{name: "resource missing", givenURL: TokenPath + "?api-version=2018-02-01", givenHeader: metadata,
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Required query variable 'resource' is missing"},
		{name: "unknown resource", givenURL: tokenURL("https://example.com/"), givenHeader: metadata,
			expectStatus: 400, expectError: "invalid_resource"},
		{name: "identity off", givenOpts: []Option{WithIdentityOff()}, givenURL: tokenURL("https://management.azure.com/"), givenHeader: metadata,
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Identity not found"},
		{name: "user-assigned by client_id", givenURL: tokenURL("https://storage.azure.com/", "client_id", UserClientID), givenHeader: metadata,
			expectStatus: 200, expectClient: UserClientID},
		{name: "user-assigned by object_id", givenURL: tokenURL("https://storage.azure.com/", "object_id", UserObjectID), givenHeader: metadata,
			expectStatus: 200, expectClient: UserClientID},
		{name: "user-assigned by msi_res_id", givenURL: tokenURL("https://storage.azure.com/", "msi_res_id", UserResourceID), givenHeader: metadata,
			expectStatus: 200, expectClient: UserClientID},
		{name: "unknown client_id", givenURL: tokenURL("https://management.azure.com/", "client_id", "11111111-1111-1111-1111-111111111111"), givenHeader: metadata,
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Identity not found"},
		{name: "two selectors", givenURL: tokenURL("https://management.azure.com/", "client_id", UserClientID, "object_id", UserObjectID), givenHeader: metadata,
			expectStatus: 400, expectError: "invalid_request", expectDesc: "Only one of client_id, object_id or msi_res_id may be given; got client_id, object_id"},
		{name: "POST refused", givenMethod: http.MethodPost, givenURL: tokenURL("https://management.azure.com/"), givenHeader: metadata,
			expectStatus: 405, expectError: "invalid_request", expectDesc: "The request method is not allowed. Use GET."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(append([]Option{WithClock(fixedClock)}, tt.givenOpts...)...)
			method := tt.givenMethod
			if method == "" {
				method = http.MethodGet
			}
			rec := do(t, s, method, tt.givenURL, tt.givenHeader, "")
			if rec.Code != tt.expectStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.expectStatus, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			body := decode(t, rec)
			if tt.expectError != "" {
				if body["error"] != tt.expectError {
					t.Errorf("error = %v, want %s", body["error"], tt.expectError)
				}
				if tt.expectDesc != "" && body["error_description"] != tt.expectDesc {
					t.Errorf("error_description = %v, want %s", body["error_description"], tt.expectDesc)
				}
				if len(s.IssuedTokens()) != 0 {
					t.Errorf("a token was minted for a failed request")
				}
				return
			}
			if body["client_id"] != tt.expectClient {
				t.Errorf("client_id = %v, want %s", body["client_id"], tt.expectClient)
			}
			if got := s.IssuedTokens(); len(got) != 1 || got[0] != body["access_token"] {
				t.Errorf("IssuedTokens = %v, want the one token answered", got)
			}
		})
	}
}

func TestSim_TokenNumbersAreStrings(t *testing.T) {
	s := New(WithClock(fixedClock), WithTokenTTL(time.Hour))
	rec := do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, "")
	body := decode(t, rec)
	expect := map[string]string{
		"expires_in":     "3600",
		"ext_expires_in": "3600",
		"expires_on":     strconv.FormatInt(fixedNow.Add(time.Hour).Unix(), 10),
		"not_before":     strconv.FormatInt(fixedNow.Add(-5*time.Minute).Unix(), 10),
		"resource":       "https://management.azure.com/",
		"token_type":     "Bearer",
		"client_id":      ClientID,
	}
	for k, want := range expect {
		got, ok := body[k].(string)
		if !ok || got != want {
			t.Errorf("%s = %#v, want string %q", k, body[k], want)
		}
	}
}

func TestSim_TokenClaims(t *testing.T) {
	tests := []struct {
		name        string
		givenExtra  []string
		expectOID   string
		expectAppID string
		expectMIRID string
	}{
		{name: "system", expectOID: ObjectID, expectAppID: ClientID,
			expectMIRID: vmID(DefaultSubscriptionID, DefaultResourceGroup, DefaultVMName)},
		{name: "user-assigned", givenExtra: []string{"client_id", UserClientID}, expectOID: UserObjectID, expectAppID: UserClientID,
			expectMIRID: UserResourceID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(WithClock(fixedClock), WithTokenTTL(90*time.Second))
			rec := do(t, s, http.MethodGet, tokenURL("https://storage.azure.com/", tt.givenExtra...), metadata, "")
			c, err := parseJWT(s.secret, decode(t, rec)["access_token"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if c.OID != tt.expectOID || c.AppID != tt.expectAppID || c.MIRID != tt.expectMIRID {
				t.Errorf("oid/appid/xms_mirid = %s/%s/%s", c.OID, c.AppID, c.MIRID)
			}
			// What Azurite's --oauth basic check reads.
			if c.Aud != "https://storage.azure.com/" || c.Iss != "https://sts.windows.net/"+DefaultTenantID+"/" || c.TID != DefaultTenantID {
				t.Errorf("aud/iss/tid = %s/%s/%s", c.Aud, c.Iss, c.TID)
			}
			if c.Exp != fixedNow.Add(90*time.Second).Unix() || c.Nbf > fixedNow.Unix() || c.Iat != c.Nbf {
				t.Errorf("iat/nbf/exp = %d/%d/%d", c.Iat, c.Nbf, c.Exp)
			}
		})
	}
}

func TestSim_SetIdentityAndTTL(t *testing.T) {
	s := New(WithClock(fixedClock))
	s.SetIdentity(false)
	if rec := do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, ""); rec.Code != 400 {
		t.Fatalf("identity off: status %d", rec.Code)
	}
	s.SetIdentity(true)
	s.SetTokenTTL(2 * time.Minute)
	rec := do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, "")
	if got := decode(t, rec)["expires_in"]; got != "120" {
		t.Errorf("expires_in = %v, want 120", got)
	}
}
