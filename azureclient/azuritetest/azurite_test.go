package azuritetest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/msidash/msidash/azureclient/azuritetest"
)

// sharedKeyClient is an azblob client for account on az, signed with key.
func sharedKeyClient(t *testing.T, az *azuritetest.Azurite, account, key string) *azblob.Client {
	t.Helper()
	cred, err := azblob.NewSharedKeyCredential(account, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := azblob.NewClientWithSharedKeyCredential(az.BlobEndpoint(account), cred, &azblob.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			Transport:                       az.HTTPClient(),
			InsecureAllowCredentialWithHTTP: true,
			Retry:                           policy.RetryOptions{MaxRetries: -1},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func roundTrip(t *testing.T, c *azblob.Client, container, name string, data []byte) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateContainer(ctx, container, nil); err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
		t.Fatalf("create container: %v", err)
	}
	if _, err := c.UploadBuffer(ctx, container, name, data, nil); err != nil {
		t.Fatalf("upload: %v", err)
	}
	assertBlob(t, c, container, name, data)
}

func assertBlob(t *testing.T, c *azblob.Client, container, name string, want []byte) {
	t.Helper()
	resp, err := c.DownloadStream(context.Background(), container, name, nil)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	got, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("downloaded %q, want %q", got, want)
	}
}

func TestStart_SharedKeyRoundTrip(t *testing.T) {
	t.Parallel()
	az := azuritetest.Start(t)
	c := sharedKeyClient(t, az, azuritetest.DefaultAccountName, azuritetest.DefaultAccountKey)
	roundTrip(t, c, "roundtrip", "dir/hello world.txt", []byte("hello, azurite"))
}

func TestRestart_RotatesKeysKeepsData(t *testing.T) {
	t.Parallel()
	oldKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 64))
	newKey := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 64))
	az := azuritetest.Start(t, azuritetest.Account{Name: "rotate", Key1: oldKey})
	endpoint := az.BlobEndpoint("rotate")
	old := sharedKeyClient(t, az, "rotate", oldKey)
	roundTrip(t, old, "keep", "blob", []byte("survives a restart"))

	az.Restart(t, azuritetest.Account{Name: "rotate", Key1: newKey})
	if got := az.BlobEndpoint("rotate"); got != endpoint {
		t.Fatalf("endpoint changed across restart: %s → %s", endpoint, got)
	}
	_, err := old.DownloadStream(context.Background(), "keep", "blob", nil)
	if !bloberror.HasCode(err, bloberror.AuthorizationFailure, bloberror.AuthenticationFailed) {
		t.Fatalf("old key after rotation: got %v, want 403 AuthorizationFailure", err)
	}
	assertBlob(t, sharedKeyClient(t, az, "rotate", newKey), "keep", "blob", []byte("survives a restart"))
}

func TestStartOAuth_HTTPSAndBearer(t *testing.T) {
	t.Parallel()
	az := azuritetest.StartOAuth(t)
	endpoint := az.BlobEndpoint(azuritetest.DefaultAccountName)
	if endpoint[:8] != "https://" {
		t.Fatalf("endpoint %s is not https", endpoint)
	}
	// Shared Key still works over HTTPS with the client trusting the test cert.
	c := sharedKeyClient(t, az, azuritetest.DefaultAccountName, azuritetest.DefaultAccountKey)
	roundTrip(t, c, "oauth", "a/b.txt", []byte("over tls"))

	// Azurite's basic OAuth checks the claims, not the signature.
	bearer, err := azblob.NewClient(endpoint, staticToken{claims: map[string]any{
		"aud": "https://storage.azure.com",
		"iss": "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
		"iat": time.Now().Add(-time.Minute).Unix(),
		"nbf": time.Now().Add(-time.Minute).Unix(),
		"exp": time.Now().Add(time.Hour).Unix(),
		"oid": "00000000-0000-0000-0000-000000000001",
	}}, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: az.HTTPClient()}})
	if err != nil {
		t.Fatal(err)
	}
	assertBlob(t, bearer, "oauth", "a/b.txt", []byte("over tls"))

	expired, err := azblob.NewClient(endpoint, staticToken{claims: map[string]any{
		"aud": "https://storage.azure.com",
		"iss": "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/",
		"iat": time.Now().Add(-2 * time.Hour).Unix(),
		"nbf": time.Now().Add(-2 * time.Hour).Unix(),
		"exp": time.Now().Add(-time.Hour).Unix(),
	}}, &azblob.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: az.HTTPClient(), Retry: policy.RetryOptions{MaxRetries: -1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := expired.DownloadStream(context.Background(), "oauth", "a/b.txt", nil); !bloberror.HasCode(err, bloberror.AuthenticationFailed) {
		t.Fatalf("expired token: got %v, want 403 AuthenticationFailed", err)
	}
}

// staticToken serves one unsigned JWT-shaped token with the given claims.
type staticToken struct{ claims map[string]any }

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	enc := base64.RawURLEncoding
	payload, _ := json.Marshal(s.claims)
	tok := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString([]byte("sig"))
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestBin_FindsProjectCache(t *testing.T) {
	bin, err := azuritetest.Bin()
	if err != nil {
		t.Skipf("azurite not installed: %v", err)
	}
	if !bytes.HasSuffix([]byte(bin), []byte(".cache/azurite/node_modules/.bin/azurite-blob")) {
		t.Fatalf("Bin() = %s", bin)
	}
}
