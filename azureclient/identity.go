package azureclient

import "strings"

// Query parameters that select a user-assigned identity at IMDS; a request
// carries at most one of them.
// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#get-a-token-using-http
const (
	paramClientID   = "client_id"
	paramObjectID   = "object_id"
	paramResourceID = "msi_res_id"
)

// Identity selects a user-assigned managed identity. A nil Identity means the
// VM's system-assigned identity. Only ClientID, ObjectID and ResourceID
// implement it, so a bare string cannot be passed by mistake.
type Identity interface {
	identityParam() (name, value string)
}

// ClientID selects a user-assigned identity by its client (application) id.
type ClientID string

// ObjectID selects a user-assigned identity by its object (principal) id.
type ObjectID string

// ResourceID selects a user-assigned identity by its ARM resource id.
type ResourceID string

func (c ClientID) identityParam() (string, string)   { return paramClientID, string(c) }
func (o ObjectID) identityParam() (string, string)   { return paramObjectID, string(o) }
func (r ResourceID) identityParam() (string, string) { return paramResourceID, string(r) }

// identityKind names the identity for logs and cache keys: "system" or the
// selector's parameter name.
func identityKind(id Identity) string {
	if id == nil {
		return "system"
	}
	name, _ := id.identityParam()
	return name
}

// identityKey is the part of a cache key that tells identities apart.
func identityKey(id Identity) string {
	if id == nil {
		return "system"
	}
	name, value := id.identityParam()
	return name + "=" + strings.ToLower(value)
}

// validateIdentity checks a user-assigned selector before any request: an
// empty value would silently ask for the system identity instead.
func validateIdentity(id Identity, msiExtension bool) error {
	if id == nil {
		return nil
	}
	name, value := id.identityParam()
	if strings.TrimSpace(value) == "" {
		return &Error{Op: opToken, Kind: KindInvalid, Code: "InvalidIdentity",
			Message: "the " + name + " of the user-assigned identity is empty"}
	}
	// The legacy extension's form takes client_id only (azidentity's Cloud
	// Shell source rejects other selectors the same way).
	if msiExtension && name != paramClientID {
		return &Error{Op: opToken, Kind: KindInvalid, Code: "UnsupportedIdentity",
			Message: "the MSI extension endpoint accepts a user-assigned identity only by client id",
			Hint:    "Use --client-id with --msi-endpoint, or unset --msi-endpoint to use IMDS."}
	}
	return nil
}
