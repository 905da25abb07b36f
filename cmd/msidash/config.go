package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// config is every setting of msidash, from flags and MSIDASH_* variables.
type config struct {
	command        string // serve or doctor
	listen         string
	allowRemote    bool
	allowedHosts   []string
	imdsEndpoint   string
	msiEndpoint    string
	clientID       string
	objectID       string
	msiResID       string
	subscriptionID string
	resourceGroup  string
	armEndpoint    string
	armResource    string
	storageAuth    string
	secretFile     string
	logLevel       string
	doctorJSON     bool
}

// errHelp is returned for --help: usage was printed, exit 0.
var errHelp = errors.New("help requested")

// parseConfig reads flags, falling back to MSIDASH_<FLAG> variables; flags
// win. Secrets are never flags: the access secret comes only from
// MSIDASH_AUTH_TOKEN or its 0600 file.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	cfg := config{command: "serve"}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cfg.command, args = args[0], args[1:]
	}
	if cfg.command != "serve" && cfg.command != "doctor" {
		return cfg, fmt.Errorf("unknown command %q (want serve or doctor)", cfg.command)
	}
	fs := flag.NewFlagSet("msidash "+cfg.command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv("MSIDASH_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	str := func(p *string, name, def, usage string) { fs.StringVar(p, name, env(name, def), usage) }
	var allowed string
	str(&cfg.listen, "listen", "127.0.0.1:8080", "address to serve on; a non-loopback address needs --allow-remote")
	fs.BoolVar(&cfg.allowRemote, "allow-remote", env("allow-remote", "") == "true", "allow --listen on a non-loopback address")
	str(&allowed, "allowed-hosts", "", "comma-separated Host names accepted besides loopback (e.g. behind a reverse proxy)")
	str(&cfg.imdsEndpoint, "imds-endpoint", "http://169.254.169.254", "IMDS base URL")
	str(&cfg.msiEndpoint, "msi-endpoint", "", "legacy MSI VM extension token URL, e.g. http://localhost:50342/oauth2/token")
	str(&cfg.clientID, "client-id", "", "client ID of a user-assigned identity")
	str(&cfg.objectID, "object-id", "", "object ID of a user-assigned identity")
	str(&cfg.msiResID, "msi-res-id", "", "resource ID of a user-assigned identity")
	str(&cfg.subscriptionID, "subscription-id", "", "subscription ID (default: from IMDS instance metadata)")
	str(&cfg.resourceGroup, "resource-group", "", "resource group (default: from IMDS instance metadata)")
	str(&cfg.armEndpoint, "arm-endpoint", "https://management.azure.com", "Azure Resource Manager base URL")
	str(&cfg.armResource, "arm-resource", "https://management.azure.com/", "token resource for ARM")
	str(&cfg.storageAuth, "storage-auth", "key", "blob access: key (Shared Key from listKeys) or aad (token for https://storage.azure.com/)")
	str(&cfg.secretFile, "secret-file", "", "where the generated access secret is written (default: under the user's runtime or config dir)")
	str(&cfg.logLevel, "log-level", "info", "debug, info, warn or error")
	if cfg.command == "doctor" {
		fs.BoolVar(&cfg.doctorJSON, "json", env("json", "") == "true", "print the checklist as JSON")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, errHelp
		}
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, h := range strings.Split(allowed, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.allowedHosts = append(cfg.allowedHosts, h)
		}
	}
	return cfg, cfg.validate()
}

func (c config) validate() error {
	host, _, err := net.SplitHostPort(c.listen)
	if err != nil {
		return fmt.Errorf("--listen %q: want host:port", c.listen)
	}
	if !c.allowRemote && !loopbackHost(host) {
		return fmt.Errorf("--listen %q is not a loopback address; add --allow-remote if you really mean it", c.listen)
	}
	urls := map[string]string{"--imds-endpoint": c.imdsEndpoint, "--arm-endpoint": c.armEndpoint, "--arm-resource": c.armResource}
	if c.msiEndpoint != "" { // optional: empty means IMDS
		urls["--msi-endpoint"] = c.msiEndpoint
	}
	for name, u := range urls {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("%s %q: want an http(s) URL", name, u)
		}
	}
	set := 0
	for _, v := range []string{c.clientID, c.objectID, c.msiResID} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		return errors.New("--client-id, --object-id and --msi-res-id pick one identity: set at most one")
	}
	if c.storageAuth != "key" && c.storageAuth != "aad" {
		return fmt.Errorf("--storage-auth %q: want key or aad", c.storageAuth)
	}
	if (c.subscriptionID == "") != (c.resourceGroup == "") {
		return errors.New("--subscription-id and --resource-group go together: set both or neither")
	}
	switch c.logLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", c.logLevel)
	}
	return nil
}

// loopbackHost reports whether a listen host is loopback. An empty host or
// 0.0.0.0 means every interface.
func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}
