package azureclient

import (
	"net"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// sdkClientOptions returns SDK client options for an endpoint. Bearer tokens
// and Shared Key signatures over plain HTTP are allowed only when the
// endpoint is loopback (the simulator, Azurite); real Azure is HTTPS.
func sdkClientOptions(endpoint string, base azcore.ClientOptions) azcore.ClientOptions {
	opts := base
	opts.InsecureAllowCredentialWithHTTP = isLoopbackURL(endpoint)
	// Bodies may hold storage keys (listKeys); azcore logs none by default and
	// we keep it that way explicitly.
	opts.Logging.IncludeBody = false
	return opts
}

// isLoopbackURL reports whether u is an http(s) URL on a loopback host.
func isLoopbackURL(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := parsed.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
