package azuresim

import "testing"

func TestSim_KeysAndBlobEndpoint(t *testing.T) {
	s := New(WithAccounts(Account{Name: "custom", Key1: "a2V5MQ==", Key2: "a2V5Mg=="}, Account{Name: "defaults"}))
	s.SetAccountBlobEndpoint("CUSTOM", "http://127.0.0.1:10000/custom")
	tests := []struct {
		name         string
		givenAccount string
		expectKey1   string
		expectKey2   string
		expectBlob   string
	}{
		{name: "given keys", givenAccount: "custom", expectKey1: "a2V5MQ==", expectKey2: "a2V5Mg==", expectBlob: "http://127.0.0.1:10000/custom/"},
		{name: "demo keys by default", givenAccount: "defaults", expectKey1: DemoKey1, expectKey2: DemoKey2, expectBlob: "https://defaults.blob.core.windows.net/"},
		{name: "unknown account", givenAccount: "nosuch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k1, k2 := s.Keys(tt.givenAccount)
			if k1 != tt.expectKey1 || k2 != tt.expectKey2 {
				t.Errorf("keys differ")
			}
			s.mu.Lock()
			a := s.lookup(tt.givenAccount)
			var blob string
			if a != nil {
				blob = s.view(a).Properties.PrimaryEndpoints.Blob
			}
			s.mu.Unlock()
			if blob != tt.expectBlob {
				t.Errorf("blob endpoint %q, want %q", blob, tt.expectBlob)
			}
		})
	}
}
