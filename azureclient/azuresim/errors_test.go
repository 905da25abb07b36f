package azuresim

import (
	"net/http/httptest"
	"regexp"
	"testing"
)

func TestWriteARMError(t *testing.T) {
	rec := httptest.NewRecorder()
	writeARMError(rec, 404, "ResourceNotFound", "gone")
	if rec.Code != 404 || rec.Body.String() != `{"error":{"code":"ResourceNotFound","message":"gone"}}` {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if id := rec.Header().Get("x-ms-request-id"); !guid.MatchString(id) {
		t.Errorf("x-ms-request-id %q", id)
	}
}

func TestWriteIMDSError(t *testing.T) {
	rec := httptest.NewRecorder()
	writeIMDSError(rec, 400, "invalid_request", "Identity not found")
	if rec.Code != 400 || rec.Body.String() != `{"error":"invalid_request","error_description":"Identity not found"}` {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}
