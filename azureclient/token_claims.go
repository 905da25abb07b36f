package azureclient

import (
	"encoding/base64"
	"encoding/json"
	"strings"
)

// tokenClaims are the JWT payload claims msidash displays.
type tokenClaims struct {
	AppID      string `json:"appid"`
	ObjectID   string `json:"oid"`
	TenantID   string `json:"tid"`
	ResourceID string `json:"xms_mirid"`
}

// claimsIdentity reads the identity claims from a JWT's payload. The
// signature is not verified: the values are only displayed, never trusted
// for a decision. A token that is not a JWT yields an empty identity.
func claimsIdentity(jwt string) TokenIdentity {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return TokenIdentity{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return TokenIdentity{}
	}
	var c tokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return TokenIdentity{}
	}
	return TokenIdentity{ClientID: c.AppID, ObjectID: c.ObjectID, TenantID: c.TenantID, ResourceID: c.ResourceID}
}
