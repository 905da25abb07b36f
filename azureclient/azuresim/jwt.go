package azuresim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// claims are the access token claims Entra ID puts in a managed identity
// token (v1 tokens: iss is sts.windows.net), the subset msidash and Azurite read.
// Azurite's --oauth basic check needs numeric iat/nbf/exp, an iss starting
// with https://sts.windows.net/ and aud https://storage.azure.com[/].
type claims struct {
	Aud    string `json:"aud"`
	Iss    string `json:"iss"`
	Iat    int64  `json:"iat"`
	Nbf    int64  `json:"nbf"`
	Exp    int64  `json:"exp"`
	AIO    string `json:"aio,omitempty"`
	AppID  string `json:"appid"`
	IDP    string `json:"idp"`
	OID    string `json:"oid"`
	Sub    string `json:"sub"`
	TID    string `json:"tid"`
	UTI    string `json:"uti"`
	Ver    string `json:"ver"`
	MIRID  string `json:"xms_mirid"`
	IDType string `json:"idtyp,omitempty"`
}

var errBadToken = errors.New("azuresim: malformed or unsigned token")

// jwtHeader is fixed: HMAC-SHA256 with the sim's secret; Azurite ignores the
// signature in basic mode, ARM here verifies it.
const jwtHeader = `{"typ":"JWT","alg":"HS256","kid":"azuresim"}`

// signJWT encodes c as header.payload.signature.
func signJWT(secret []byte, c claims) string {
	payload, _ := json.Marshal(c)
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(jwtHeader)) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// parseJWT verifies the signature and returns the claims. Lifetime and
// audience are checked by the caller, which answers with ARM's codes.
func parseJWT(secret []byte, token string) (claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims{}, errBadToken
	}
	enc := base64.RawURLEncoding
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return claims{}, errBadToken
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return claims{}, errBadToken
	}
	payload, err := enc.DecodeString(parts[1])
	if err != nil {
		return claims{}, errBadToken
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return claims{}, errBadToken
	}
	return c, nil
}

// mint builds a token for id and resource valid from now for ttl. nbf and iat
// lie five minutes back, as Entra ID sets them, which also absorbs clock skew
// against Azurite (it allows none).
func mint(secret []byte, tenant string, id identity, resource string, now time.Time, ttl time.Duration) (string, claims) {
	issued := now.Add(-5 * time.Minute).Unix()
	c := claims{
		Aud:    resource,
		Iss:    "https://sts.windows.net/" + tenant + "/",
		Iat:    issued,
		Nbf:    issued,
		Exp:    now.Add(ttl).Unix(),
		AppID:  id.clientID,
		IDP:    "https://sts.windows.net/" + tenant + "/",
		OID:    id.objectID,
		Sub:    id.objectID,
		TID:    tenant,
		UTI:    strings.ReplaceAll(newGUID(), "-", "")[:22],
		Ver:    "1.0",
		MIRID:  id.resourceID,
		IDType: "app",
	}
	return signJWT(secret, c), c
}
