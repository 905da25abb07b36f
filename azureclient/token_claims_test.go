package azureclient

import (
	"encoding/base64"
	"testing"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestClaimsIdentity(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		given  string
		expect TokenIdentity
	}{
		{name: "all claims", given: enc(`{"alg":"none"}`) + "." + enc(`{"appid":"a","oid":"o","tid":"t","xms_mirid":"/r","aud":"x"}`) + ".sig",
			expect: TokenIdentity{ClientID: "a", ObjectID: "o", TenantID: "t", ResourceID: "/r"}},
		{name: "padded payload", given: "h." + base64.URLEncoding.EncodeToString([]byte(`{"oid":"o1"}`)) + ".s",
			expect: TokenIdentity{ObjectID: "o1"}},
		{name: "claims absent", given: "h." + enc(`{"aud":"x"}`) + ".s"},
		{name: "not a JWT", given: "opaque-token"},
		{name: "bad base64", given: "h.!!!.s"},
		{name: "payload not JSON", given: "h." + enc("nope") + ".s"},
		{name: "empty", given: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := claimsIdentity(tt.given); got != tt.expect {
				t.Errorf("claimsIdentity = %+v, want %+v", got, tt.expect)
			}
		})
	}
}

func TestClaimsIdentity_SimulatorToken(t *testing.T) {
	env := tokStart(t, nil, func(o *TokenSourceOptions, _ *azuresim.Sim) { o.Identity = ResourceID(azuresim.UserResourceID) })
	got := claimsIdentity(tokMustGet(t, env.ts, ResourceARM))
	expect := TokenIdentity{ClientID: azuresim.UserClientID, ObjectID: azuresim.UserObjectID, TenantID: azuresim.DefaultTenantID, ResourceID: azuresim.UserResourceID}
	if got != expect {
		t.Errorf("claimsIdentity = %+v, want %+v", got, expect)
	}
}
