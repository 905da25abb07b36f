package azuresim

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/msidash/msidash/azureclient/azuritetest"
)

// TestSim_TokensWorkWithAzuriteOAuth checks the claims against the real
// Azurite in `--oauth basic` mode: a storage token is accepted, an ARM token
// (wrong audience) is refused, and demo keys work for Shared Key.
func TestSim_TokensWorkWithAzuriteOAuth(t *testing.T) {
	az := azuritetest.StartOAuth(t, azuritetest.Account{Name: DefaultAccount, Key1: DemoKey1, Key2: DemoKey2})
	s := Start(t)
	tests := []struct {
		name        string
		givenRes    string
		givenKey    bool
		expectError bool
	}{
		{name: "storage token", givenRes: storageRes},
		{name: "storage token without slash", givenRes: "https://storage.azure.com"},
		{name: "arm token refused", givenRes: armRes, expectError: true},
		{name: "demo shared key", givenKey: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{
				Transport: az.HTTPClient(),
				Retry:     policy.RetryOptions{MaxRetries: -1},
			}}
			var client *azblob.Client
			var err error
			if tt.givenKey {
				cred, kerr := azblob.NewSharedKeyCredential(DefaultAccount, DemoKey1)
				if kerr != nil {
					t.Fatal(kerr)
				}
				client, err = azblob.NewClientWithSharedKeyCredential(az.BlobEndpoint(DefaultAccount), cred, opts)
			} else {
				client, err = azblob.NewClient(az.BlobEndpoint(DefaultAccount), simCredential{base: s.URL(), resource: tt.givenRes}, opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.CreateContainer(context.Background(), fmt.Sprintf("container-%d", i), nil)
			if !tt.expectError {
				if err != nil {
					t.Errorf("CreateContainer: %v", err)
				}
				return
			}
			var re *azcore.ResponseError
			if !errors.As(err, &re) || re.StatusCode != 403 || re.ErrorCode != "AuthenticationFailed" {
				t.Errorf("CreateContainer err = %v, want 403 AuthenticationFailed", err)
			}
		})
	}
}
