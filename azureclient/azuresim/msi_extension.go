package azuresim

import (
	"net/http"
)

// serveMSI answers the legacy MSI VM extension (deprecated, still found on old
// VMs): POST http://localhost:50342/oauth2/token with form resource=… and the
// Metadata: true header; client_id, object_id or msi_res_id pick a
// user-assigned identity. No api-version.
func (s *Sim) serveMSI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeIMDSError(w, http.StatusMethodNotAllowed, errInvalidRequest, "The request method is not allowed. Use POST.")
		return
	}
	if !checkMetadataHeaders(w, r) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeIMDSError(w, http.StatusBadRequest, errInvalidRequest, "The request body is not a valid form")
		return
	}
	// The extension reads the form body; azidentity's older clients also sent
	// the resource in the query, so both are accepted (r.Form merges them).
	s.issue(w, r.Form)
}
