package azuresim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestStart_ServesOnLoopback(t *testing.T) {
	s := Start(t)
	u, err := url.Parse(s.URL())
	if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" {
		t.Fatalf("URL() = %q, want http://127.0.0.1:<port>", s.URL())
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+tokenURL("https://management.azure.com/"), nil)
	req.Header.Set("Metadata", "true")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, err %v", resp.StatusCode, err)
	}
	if body.AccessToken == "" || s.Calls(TokenPath) != 1 {
		t.Errorf("token %q, calls %d", body.AccessToken, s.Calls(TokenPath))
	}
}

func TestNew_UnknownPath(t *testing.T) {
	s := New()
	if rec := do(t, s, http.MethodGet, "/nothing", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", rec.Code)
	}
}

func TestNew_DemoKeysAreValid(t *testing.T) {
	s := New()
	k1, k2 := s.Keys(DefaultAccount)
	for _, k := range []string{k1, k2} {
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(raw) != 64 {
			t.Errorf("demo key is not 64 bytes of base64 (err %v, %d bytes)", err, len(raw))
		}
	}
	if k1 == k2 {
		t.Error("key1 == key2")
	}
}

func TestStart_CleanupReleasesDelayedRequests(t *testing.T) {
	var s *Sim
	errc := make(chan error, 1)
	t.Run("inner", func(t *testing.T) {
		s = Start(t)
		s.Delay(TokenPath, time.Hour)
		go func() {
			req, _ := http.NewRequest(http.MethodGet, s.URL()+tokenURL("https://management.azure.com/"), nil)
			req.Header.Set("Metadata", "true")
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
		for s.Calls(TokenPath) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}) // the inner test's cleanup closes the server
	select {
	case <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("cleanup did not release the delayed request")
	}
}
