package azuresim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
)

// imdsError is the OAuth-style error body IMDS and the MSI extension answer with,
// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#error-handling
type imdsError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// armError is the error envelope ARM answers with,
// https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors
type armError struct {
	Error armErrorBody `json:"error"`
}

type armErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeIMDSError answers as the identity endpoint does.
func writeIMDSError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, imdsError{Error: code, Description: description})
}

// writeARMError answers as ARM does, with its request id headers.
func writeARMError(w http.ResponseWriter, status int, code, message string) {
	setARMHeaders(w)
	w.Header().Set("x-ms-failure-cause", "gateway")
	writeJSON(w, status, armError{Error: armErrorBody{Code: code, Message: message}})
}

// setARMHeaders adds the correlation headers every ARM answer carries.
func setARMHeaders(w http.ResponseWriter) {
	id := newGUID()
	w.Header().Set("x-ms-request-id", id)
	w.Header().Set("x-ms-correlation-request-id", id)
	w.Header().Set("x-ms-routing-request-id", "WESTEUROPE:"+id)
	w.Header().Set("Cache-Control", "no-cache")
}

// newGUID returns a random version 4 GUID string.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
