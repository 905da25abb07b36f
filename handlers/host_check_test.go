package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/msidash/msidash/azureclient/azuresim"
)

func TestHostAllowed(t *testing.T) {
	tests := []struct {
		name        string
		givenHost   string
		givenAllow  map[string]bool
		expectAllow bool
	}{
		{name: "localhost", givenHost: "localhost:8080", expectAllow: true},
		{name: "localhost other port", givenHost: "localhost:9999", expectAllow: true},
		{name: "localhost upper case", givenHost: "LOCALHOST:8080", expectAllow: true},
		{name: "ipv4 loopback", givenHost: "127.0.0.1:9000", expectAllow: true},
		{name: "other ipv4 loopback", givenHost: "127.0.0.2:8080", expectAllow: true},
		{name: "ipv6 loopback", givenHost: "[::1]:8080", expectAllow: true},
		{name: "ipv6 loopback no port", givenHost: "[::1]", expectAllow: true},
		{name: "mapped loopback", givenHost: "[::ffff:127.0.0.1]:8080", expectAllow: true},
		{name: "no port", givenHost: "127.0.0.1", expectAllow: true},
		{name: "allowed host", givenHost: "vm.example.net:443", givenAllow: map[string]bool{"vm.example.net": true}, expectAllow: true},
		{name: "evil", givenHost: "evil.com", expectAllow: false},
		{name: "evil with port", givenHost: "evil.com:8080", expectAllow: false},
		{name: "localhost suffix", givenHost: "localhost.evil.com", expectAllow: false},
		{name: "nip.io", givenHost: "127.0.0.1.nip.io", expectAllow: false},
		{name: "zero address", givenHost: "0.0.0.0:8080", expectAllow: false},
		{name: "short form", givenHost: "127.1", expectAllow: false},
		{name: "hex form", givenHost: "0x7f000001", expectAllow: false},
		{name: "decimal form", givenHost: "2130706433", expectAllow: false},
		{name: "trailing dot", givenHost: "localhost.", expectAllow: false},
		{name: "subdomain of localhost", givenHost: "foo.localhost", expectAllow: false},
		{name: "empty", givenHost: "", expectAllow: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hostAllowed(tt.givenHost, tt.givenAllow); got != tt.expectAllow {
				t.Fatalf("hostAllowed(%q) = %v, want %v", tt.givenHost, got, tt.expectAllow)
			}
		})
	}
}

// A rebound DNS name is refused before auth and before any Azure call, even
// with a valid secret (SEC-4b, SEC-5).
func TestHostCheck_BeforeAuthAndAzure(t *testing.T) {
	te := newEnv(t, envOptions{})
	ck := te.login()
	for _, host := range []string{"attacker.example", "evil.com:8080", "0.0.0.0:8080", "localhost.evil.com"} {
		t.Run(host, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/token", nil)
			r.Host = host
			r.Header.Set("Authorization", "Bearer "+testSecret)
			r.AddCookie(ck)
			rec := te.do(r)
			if rec.Code != http.StatusForbidden {
				t.Fatalf("status %d, want 403", rec.Code)
			}
			assertErrorCode(t, rec, "HostNotAllowed")
		})
	}
	if n := te.sim.Calls(azuresim.TokenPath); n != 0 {
		t.Fatalf("the identity endpoint was called %d times for refused hosts", n)
	}
}
