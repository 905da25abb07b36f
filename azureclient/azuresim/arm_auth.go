package azuresim

import (
	"net/http"
	"strings"
	"time"
)

// armAudiences are the token audiences ARM accepts (the message of
// InvalidAuthenticationTokenAudience lists them in this order).
func armAudiences() []string {
	return []string{
		"https://management.core.windows.net/",
		"https://management.core.windows.net",
		"https://management.azure.com/",
		"https://management.azure.com",
	}
}

// armChallenge is the WWW-Authenticate ARM sends with a 401.
func armChallenge(description string) string {
	return `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="` + description + `"`
}

// authenticate checks the bearer token as ARM does and answers 401 with its
// codes when it fails: AuthenticationFailed (missing or malformed header),
// InvalidAuthenticationToken, ExpiredAuthenticationToken and
// InvalidAuthenticationTokenAudience,
// https://learn.microsoft.com/troubleshoot/azure/azure-resource-manager/welcome-azure-resource-manager
func (s *Sim) authenticate(w http.ResponseWriter, r *http.Request) (claims, bool) {
	fail := func(code, message, challenge string) (claims, bool) {
		w.Header().Set("WWW-Authenticate", armChallenge(challenge))
		writeARMError(w, http.StatusUnauthorized, code, message)
		return claims{}, false
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return fail("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
			"The authentication failed because of missing 'Authorization' header.")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return fail("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.",
			"The authentication scheme of "+scheme+" is not supported.")
	}
	c, err := parseJWT(s.secret, strings.TrimSpace(token))
	if err != nil {
		return fail("InvalidAuthenticationToken", "The access token is invalid.", "The access token is invalid.")
	}
	now := s.now().UTC()
	if exp := time.Unix(c.Exp, 0).UTC(); !now.Before(exp) {
		return fail("ExpiredAuthenticationToken",
			"The access token expiry UTC time '"+armTime(exp)+"' is earlier than current UTC time '"+armTime(now)+"'.",
			"The access token has expired.")
	}
	if now.Before(time.Unix(c.Nbf, 0)) {
		return fail("InvalidAuthenticationToken", "The access token is not yet valid.", "The access token is invalid.")
	}
	audOK := false
	for _, a := range armAudiences() {
		if c.Aud == a {
			audOK = true
		}
	}
	if !audOK {
		return fail("InvalidAuthenticationTokenAudience",
			"The access token has been obtained for wrong audience or resource '"+c.Aud+"'. It should exactly match with one of the allowed audiences '"+
				strings.Join(armAudiences(), "','")+"'.",
			"The access token has been obtained for wrong audience or resource '"+c.Aud+"'.")
	}
	if !strings.EqualFold(c.TID, DefaultTenantID) {
		return fail("InvalidAuthenticationTokenTenant",
			"The access token is from the wrong issuer '"+c.Iss+"'. It must match the tenant 'https://sts.windows.net/"+DefaultTenantID+"/' associated with this subscription.",
			"The access token is from the wrong issuer.")
	}
	return c, true
}

// armTime formats a time as ARM's messages do (.NET's en-US general format).
func armTime(t time.Time) string { return t.Format("1/2/2006 3:04:05 PM") }

// authorize answers 403 AuthorizationFailed, worded as ARM words it, unless a
// role assignment at scope or above allows action.
func (s *Sim) authorize(w http.ResponseWriter, c claims, action, scope string) bool {
	if s.allowed(action, scope) {
		return true
	}
	writeARMError(w, http.StatusForbidden, "AuthorizationFailed",
		"The client '"+c.AppID+"' with object id '"+c.OID+"' does not have authorization to perform action '"+action+
			"' over scope '"+scope+"' or the scope is invalid. If access was recently granted, please refresh your credentials.")
	return false
}
