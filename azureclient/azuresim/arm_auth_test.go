package azuresim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSim_ARMAuthentication(t *testing.T) {
	clk := newClock()
	s := New(WithClock(clk.Now), WithTokenTTL(time.Hour))
	good := mustToken(t, s, armRes)
	storage := mustToken(t, s, storageRes)
	other := mustToken(t, New(WithClock(clk.Now)), armRes) // signed by another simulator
	tests := []struct {
		name            string
		givenHeader     map[string]string
		givenAdvance    time.Duration
		expectStatus    int
		expectCode      string
		expectMessage   string // substring
		expectChallenge string // substring of WWW-Authenticate
	}{
		{name: "valid", givenHeader: bearer(good), expectStatus: 200},
		{name: "header missing", expectStatus: 401, expectCode: "AuthenticationFailed",
			expectMessage:   "The 'Authorization' header is missing.",
			expectChallenge: `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`},
		{name: "basic scheme", givenHeader: map[string]string{"Authorization": "Basic dXNlcjpwdw=="}, expectStatus: 401,
			expectCode: "AuthenticationFailed", expectMessage: "invalid format", expectChallenge: "The authentication scheme of Basic is not supported."},
		{name: "garbage token", givenHeader: bearer("not-a-jwt"), expectStatus: 401,
			expectCode: "InvalidAuthenticationToken", expectMessage: "The access token is invalid.", expectChallenge: `error="invalid_token"`},
		{name: "foreign signature", givenHeader: bearer(other), expectStatus: 401,
			expectCode: "InvalidAuthenticationToken", expectMessage: "The access token is invalid.", expectChallenge: `error="invalid_token"`},
		{name: "wrong audience", givenHeader: bearer(storage), expectStatus: 401,
			expectCode: "InvalidAuthenticationTokenAudience", expectMessage: "wrong audience or resource 'https://storage.azure.com/'",
			expectChallenge: "wrong audience"},
		{name: "expired", givenHeader: bearer(good), givenAdvance: time.Hour + time.Second, expectStatus: 401,
			expectCode: "ExpiredAuthenticationToken", expectMessage: "The access token expiry UTC time '3/14/2026 10:26:53 AM' is earlier than current UTC time '3/14/2026 10:26:54 AM'.",
			expectChallenge: "The access token has expired."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.givenAdvance)
			defer clk.Advance(-tt.givenAdvance)
			rec := do(t, s, http.MethodGet, rgURL(DefaultResourceGroup)+"?api-version=2021-04-01", tt.givenHeader, "")
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body)
			}
			if tt.expectCode == "" {
				return
			}
			code, msg := armCode(t, rec)
			if code != tt.expectCode || !strings.Contains(msg, tt.expectMessage) {
				t.Errorf("code %q message %q, want %q containing %q", code, msg, tt.expectCode, tt.expectMessage)
			}
			if ch := rec.Header().Get("WWW-Authenticate"); !strings.Contains(ch, tt.expectChallenge) {
				t.Errorf("WWW-Authenticate = %q, want it to contain %q", ch, tt.expectChallenge)
			}
			if rec.Header().Get("x-ms-request-id") == "" {
				t.Error("no x-ms-request-id")
			}
		})
	}
}

func TestSim_ARMAuthorization(t *testing.T) {
	s := New(WithClock(fixedClock))
	token := mustToken(t, s, armRes)
	userToken := func() string {
		rec := do(t, s, http.MethodGet, tokenURL(armRes, "client_id", UserClientID), metadata, "")
		return decode(t, rec)["access_token"].(string)
	}()
	tests := []struct {
		name          string
		givenRevoke   [2]string // role, scope
		givenGrant    [2]string
		givenToken    string
		givenMethod   string
		givenURL      string
		expectStatus  int
		expectMessage string // exact 403 message
	}{
		{name: "reader reads rg", givenToken: token, givenURL: rgURL(DefaultResourceGroup), expectStatus: 200},
		{name: "rg without reader", givenRevoke: [2]string{RoleReader, New().RGScope()}, givenToken: token,
			givenURL: rgURL(DefaultResourceGroup), expectStatus: 403,
			expectMessage: "The client '" + ClientID + "' with object id '" + ObjectID +
				"' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/read' over scope '/subscriptions/" +
				DefaultSubscriptionID + "/resourceGroups/msidash-demo' or the scope is invalid. If access was recently granted, please refresh your credentials."},
		{name: "user identity named in 403", givenRevoke: [2]string{RoleReader, New().RGScope()}, givenToken: userToken,
			givenURL: rgURL(DefaultResourceGroup) + "/resources", expectStatus: 403,
			expectMessage: "The client '" + UserClientID + "' with object id '" + UserObjectID +
				"' does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourceGroups/resources/read' over scope '/subscriptions/" +
				DefaultSubscriptionID + "/resourceGroups/msidash-demo' or the scope is invalid. If access was recently granted, please refresh your credentials."},
		{name: "contributor instead of reader", givenRevoke: [2]string{RoleReader, New().RGScope()}, givenGrant: [2]string{RoleContributor, New().RGScope()},
			givenToken: token, givenURL: rgURL(DefaultResourceGroup), expectStatus: 200},
		{name: "listKeys without key operator", givenRevoke: [2]string{RoleKeyOperator, New().AccountScope(DefaultAccount)}, givenToken: token,
			givenMethod: http.MethodPost, givenURL: accountURL(DefaultAccount) + "/listKeys", expectStatus: 403,
			expectMessage: "The client '" + ClientID + "' with object id '" + ObjectID +
				"' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/listkeys/action' over scope '" +
				New().AccountScope(DefaultAccount) + "' or the scope is invalid. If access was recently granted, please refresh your credentials."},
		{name: "listKeys via contributor on rg", givenRevoke: [2]string{RoleKeyOperator, New().AccountScope(DefaultAccount)},
			givenGrant: [2]string{RoleContributor, New().RGScope()}, givenToken: token,
			givenMethod: http.MethodPost, givenURL: accountURL(DefaultAccount) + "/listKeys", expectStatus: 200},
		{name: "reader cannot list keys", givenRevoke: [2]string{RoleKeyOperator, New().AccountScope(DefaultAccount)}, givenToken: token,
			givenMethod: http.MethodPost, givenURL: accountURL(DefaultAccount) + "/listKeys", expectStatus: 403,
			expectMessage: "The client '" + ClientID + "' with object id '" + ObjectID +
				"' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/listkeys/action' over scope '" +
				New().AccountScope(DefaultAccount) + "' or the scope is invalid. If access was recently granted, please refresh your credentials."},
		{name: "storage list needs reader", givenRevoke: [2]string{RoleReader, New().RGScope()}, givenToken: token,
			givenURL: rgURL(DefaultResourceGroup) + "/providers/Microsoft.Storage/storageAccounts", expectStatus: 403,
			expectMessage: "The client '" + ClientID + "' with object id '" + ObjectID +
				"' does not have authorization to perform action 'Microsoft.Storage/storageAccounts/read' over scope '/subscriptions/" +
				DefaultSubscriptionID + "/resourceGroups/msidash-demo' or the scope is invalid. If access was recently granted, please refresh your credentials."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.givenRevoke[0] != "" {
				s.RevokeRole(tt.givenRevoke[0], tt.givenRevoke[1])
				defer s.GrantRole(tt.givenRevoke[0], tt.givenRevoke[1])
			}
			if tt.givenGrant[0] != "" {
				s.GrantRole(tt.givenGrant[0], tt.givenGrant[1])
				defer s.RevokeRole(tt.givenGrant[0], tt.givenGrant[1])
			}
			method := tt.givenMethod
			if method == "" {
				method = http.MethodGet
			}
			version := "2021-04-01"
			if strings.Contains(tt.givenURL, "Microsoft.Storage") {
				version = "2024-01-01"
			}
			rec := do(t, s, method, tt.givenURL+"?api-version="+version, bearer(tt.givenToken), "")
			if rec.Code != tt.expectStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.expectStatus, rec.Body)
			}
			if tt.expectStatus != http.StatusForbidden {
				return
			}
			code, msg := armCode(t, rec)
			if code != "AuthorizationFailed" || msg != tt.expectMessage {
				t.Errorf("got %s %q\nwant AuthorizationFailed %q", code, msg, tt.expectMessage)
			}
		})
	}
}
