package azuresim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// IMDS identity endpoint protocol,
// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#get-a-token-using-http
const (
	headerMetadata      = "Metadata"
	headerForwardedFor  = "X-Forwarded-For"
	paramAPIVersion     = "api-version"
	paramResource       = "resource"
	paramClientID       = "client_id"
	paramObjectID       = "object_id"
	paramMSIResID       = "msi_res_id"
	paramMIResID        = "mi_res_id" // newer spelling of msi_res_id, accepted too
	minIdentityVersion  = "2018-02-01"
	errInvalidRequest   = "invalid_request"
	errInvalidResource  = "invalid_resource"
	descIdentityMissing = "Identity not found"
)

// tokenResponse is IMDS's token answer. Numbers are JSON strings, as IMDS sends them.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	ClientID     string `json:"client_id"`
	ExpiresIn    string `json:"expires_in"`
	ExpiresOn    string `json:"expires_on"`
	ExtExpiresIn string `json:"ext_expires_in"`
	NotBefore    string `json:"not_before"`
	Resource     string `json:"resource"`
	TokenType    string `json:"token_type"`
}

// serveToken answers GET /metadata/identity/oauth2/token.
func (s *Sim) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeIMDSError(w, http.StatusMethodNotAllowed, errInvalidRequest, "The request method is not allowed. Use GET.")
		return
	}
	if !checkMetadataHeaders(w, r) {
		return
	}
	q := r.URL.Query()
	v := q.Get(paramAPIVersion)
	if v == "" {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, "Required query variable 'api-version' is missing")
		return
	}
	if !validAPIVersion(v, minIdentityVersion) {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, "Invalid or unsupported api-version '"+v+"'")
		return
	}
	s.issue(w, q)
}

// checkMetadataHeaders enforces IMDS's SSRF guards: the Metadata: true header
// is required and requests carrying X-Forwarded-For are refused.
func checkMetadataHeaders(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get(headerForwardedFor) != "" {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, "Request contains X-Forwarded-For header; requests through a proxy are refused")
		return false
	}
	if !strings.EqualFold(r.Header.Get(headerMetadata), "true") {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, "Required metadata header not specified")
		return false
	}
	return true
}

// issue picks the identity from the selectors in q, checks the resource and
// answers with a freshly minted token. It serves IMDS and the MSI extension.
func (s *Sim) issue(w http.ResponseWriter, q url.Values) {
	resource := q.Get(paramResource)
	if resource == "" {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, "Required query variable 'resource' is missing")
		return
	}
	var selectors []string
	for _, p := range []string{paramClientID, paramObjectID, paramMSIResID, paramMIResID} {
		if q.Has(p) {
			selectors = append(selectors, p)
		}
	}
	if len(selectors) > 1 {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest,
			"Only one of client_id, object_id or msi_res_id may be given; got "+strings.Join(selectors, ", "))
		return
	}
	s.mu.Lock()
	on, ttl := s.identityOn, s.tokenTTL
	s.mu.Unlock()
	if !on {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, descIdentityMissing)
		return
	}
	id := s.system
	if len(selectors) == 1 {
		var ok bool
		if id, ok = s.selectIdentity(selectors[0], q.Get(selectors[0])); !ok {
			writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, descIdentityMissing)
			return
		}
	}
	if !knownResource(resource) {
		writeIMDSError(w, http.StatusBadRequest, errInvalidResource,
			"AADSTS500011: The resource principal named "+resource+" was not found in the tenant named "+DefaultTenantID+
				". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
		return
	}
	now := s.now()
	token, c := mint(s.secret, DefaultTenantID, id, resource, now, ttl)
	s.mu.Lock()
	s.issued = append(s.issued, token)
	s.mu.Unlock()
	secs := strconv.FormatInt(int64(ttl.Seconds()), 10)
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken:  token,
		ClientID:     id.clientID,
		ExpiresIn:    secs,
		ExpiresOn:    strconv.FormatInt(c.Exp, 10),
		ExtExpiresIn: secs,
		NotBefore:    strconv.FormatInt(c.Nbf, 10),
		Resource:     resource,
		TokenType:    "Bearer",
	})
}

// selectIdentity finds the VM identity a selector names. Ids compare
// case-insensitively, as Azure's GUIDs and resource ids do.
func (s *Sim) selectIdentity(param, value string) (identity, bool) {
	for _, id := range []identity{s.system, s.user} {
		var have string
		switch param {
		case paramClientID:
			have = id.clientID
		case paramObjectID:
			have = id.objectID
		default:
			have = id.resourceID
		}
		if value != "" && strings.EqualFold(have, value) {
			return id, true
		}
	}
	return identity{}, false
}

// knownResource reports whether Entra ID would know the resource: the public
// cloud's ARM, Storage (also per-account blob audiences), Key Vault, Graph and SQL.
func knownResource(resource string) bool {
	u, err := url.Parse(resource)
	if err != nil || u.Scheme != "https" || u.RawQuery != "" {
		return false
	}
	host := strings.ToLower(u.Host)
	switch host {
	case "management.azure.com", "management.core.windows.net", "storage.azure.com",
		"vault.azure.net", "graph.microsoft.com", "database.windows.net":
		return u.Path == "" || u.Path == "/"
	}
	return strings.HasSuffix(host, ".blob.core.windows.net") && (u.Path == "" || u.Path == "/")
}

// validAPIVersion reports whether v is a date-form api-version (optionally
// with a -preview suffix) no older than min.
func validAPIVersion(v, min string) bool {
	date, _, _ := strings.Cut(v, "-preview")
	if len(date) != len("2006-01-02") || date[4] != '-' || date[7] != '-' {
		return false
	}
	for i, c := range date {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return date >= min
}
