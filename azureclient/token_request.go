package azureclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
)

// The managed identity token protocol, as IMDS and the legacy VM extension
// speak it.
// https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token
const (
	defaultIMDSEndpoint = "http://169.254.169.254"
	imdsTokenPath       = "/metadata/identity/oauth2/token"
	imdsAPIVersion      = "2018-02-01"
	msiExtensionPath    = "/oauth2/token" // appended when --msi-endpoint has no path

	paramAPIVersion = "api-version"
	paramResource   = "resource"

	headerMetadata      = "Metadata" // IMDS rejects requests without it (SSRF mitigation)
	headerForwardedFor  = "X-Forwarded-For"
	contentTypeForm     = "application/x-www-form-urlencoded"
	defaultScopeSuffix  = "/.default"
	errIdentityNotFound = "Identity not found" // IMDS's error_description when no identity is assigned
	errInvalidResource  = "invalid_resource"

	opToken = "token"
)

// imdsRequest builds the IMDS token request: GET with api-version, resource
// and at most one identity selector in the query, and Metadata: true.
func imdsRequest(ctx context.Context, endpoint, resource string, id Identity) (*policy.Request, error) {
	req, err := runtime.NewRequest(ctx, http.MethodGet, endpoint+imdsTokenPath)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set(paramAPIVersion, imdsAPIVersion)
	q.Set(paramResource, resource)
	if id != nil {
		name, value := id.identityParam()
		q.Set(name, value)
	}
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set(headerMetadata, "true")
	return req, nil
}

// msiExtensionRequest builds the legacy VM extension (and Cloud Shell)
// request: POST form resource= (+ client_id), Metadata: true.
func msiExtensionRequest(ctx context.Context, endpoint, resource string, id Identity) (*policy.Request, error) {
	req, err := runtime.NewRequest(ctx, http.MethodPost, endpoint)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	form.Set(paramResource, resource)
	if id != nil {
		if name, value := id.identityParam(); name == paramClientID {
			form.Set(name, value)
		}
	}
	req.Raw().Header.Set(headerMetadata, "true")
	body := streaming.NopCloser(strings.NewReader(form.Encode()))
	if err := req.SetBody(body, contentTypeForm); err != nil {
		return nil, err
	}
	return req, nil
}

// msiExtensionURL accepts both the extension's full token URL and a bare
// base URL (http://localhost:50342), to which it adds the token path.
func msiExtensionURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err == nil && (u.Path == "" || u.Path == "/") {
		return strings.TrimSuffix(endpoint, "/") + msiExtensionPath
	}
	return endpoint
}

// fetch asks the identity endpoint for a token, once through the pipeline
// (which retries), and logs the outcome without the token.
func (s *TokenSource) fetch(ctx context.Context, resource string) (token, error) {
	start := time.Now()
	t, status, err := s.doFetch(ctx, resource)
	attrs := []any{
		slog.String("op", "token.fetch"),
		slog.String("source", s.source),
		slog.String("resource", resource),
		slog.String("identity", identityKind(s.identity)),
		slog.Int("status", status),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			attrs = append(attrs, slog.String("kind", e.Kind.String()), slog.String("code", e.Code))
		}
		s.log.Warn("token fetch failed", attrs...)
		return token{}, err
	}
	s.log.Info("token fetched", append(attrs, slog.Time("expires_on", t.expiresOn))...)
	return t, nil
}

func (s *TokenSource) doFetch(ctx context.Context, resource string) (token, int, error) {
	var req *policy.Request
	var err error
	if s.msiEndpoint != "" {
		req, err = msiExtensionRequest(ctx, s.msiEndpoint, resource, s.identity)
	} else {
		req, err = imdsRequest(ctx, s.imdsEndpoint, resource, s.identity)
	}
	if err != nil {
		return token{}, 0, &Error{Op: opToken, Kind: KindInvalid, Code: "InvalidRequest",
			Message: "the token request could not be built", Err: err}
	}
	resp, err := s.pipeline.Do(req)
	if err != nil {
		return token{}, 0, &Error{Op: opToken, Kind: KindUnavailable,
			Message: "the identity endpoint could not be reached", Hint: s.unavailableHint(), Err: err}
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return token{}, resp.StatusCode, &Error{Op: opToken, Kind: KindUnavailable, Status: resp.StatusCode,
			Message: "the identity endpoint's answer was cut off", Hint: s.unavailableHint(), Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return token{}, resp.StatusCode, s.tokenHTTPError(resp.StatusCode, body, resource)
	}
	now := s.now()
	tr, exp, err := parseTokenResponse(body, now)
	s.redactor.Add(tr.AccessToken) // learnt even when the rest of the answer is unusable
	if err != nil {
		return token{}, resp.StatusCode, &Error{Op: opToken, Kind: KindUpstream, Status: resp.StatusCode,
			Code:    "InvalidTokenResponse",
			Message: "the identity endpoint answered without a usable token",
			Hint:    "Check that " + s.endpointForHint() + " is the Azure identity endpoint and not another service.",
			Err:     err}
	}
	return token{
		value:     tr.AccessToken,
		tokenType: tr.TokenType,
		resource:  resource,
		expiresOn: exp,
		fetchedAt: now,
		source:    s.source,
		identity:  claimsIdentity(tr.AccessToken),
	}, resp.StatusCode, nil
}

func (s *TokenSource) endpointForHint() string {
	if s.msiEndpoint != "" {
		return s.msiEndpoint
	}
	return s.imdsEndpoint
}

// scopeToResource turns azcore's scopes into the one resource IMDS takes:
// "https://management.azure.com//.default" → "https://management.azure.com/".
func scopeToResource(scopes []string) (string, error) {
	if len(scopes) != 1 {
		return "", &Error{Op: opToken, Kind: KindInvalid, Code: "InvalidScope",
			Message: fmt.Sprintf("a managed identity token needs exactly one scope, got %d", len(scopes))}
	}
	return normalizeResource(scopes[0])
}

// normalizeResource strips a "/.default" scope suffix and checks what is left
// is something IMDS could take as a resource (an App ID URI or client id).
func normalizeResource(r string) (string, error) {
	r = strings.TrimSuffix(strings.TrimSpace(r), defaultScopeSuffix)
	if r == "" || len(r) > 2048 || strings.ContainsAny(r, " \t\r\n") {
		return "", &Error{Op: opToken, Kind: KindInvalid, Code: "InvalidResource",
			Message: "the token resource must be an App ID URI such as " + ResourceARM}
	}
	return r, nil
}

// tokenResponse is the JSON both endpoints answer with. IMDS sends the
// numbers as strings ("3599"); other hosts send JSON numbers.
type tokenResponse struct {
	AccessToken string     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	Resource    string     `json:"resource"`
	ExpiresIn   flexNumber `json:"expires_in"`
	ExpiresOn   flexNumber `json:"expires_on"`
	NotBefore   flexNumber `json:"not_before"`
}

// flexNumber is an integer sent as a JSON number or a JSON string.
type flexNumber struct {
	set bool
	n   int64
}

func (f *flexNumber) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		// The value itself stays out of the error: keep wire data out of messages.
		return errors.New("not a non-negative integer")
	}
	f.set, f.n = true, n
	return nil
}

// parseTokenResponse validates a 200 answer and computes the expiry.
// Lifetime comes from expires_on (or expires_in), never a hard-coded value.
func parseTokenResponse(body []byte, now time.Time) (tokenResponse, time.Time, error) {
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return tr, time.Time{}, fmt.Errorf("token response: %w", err)
	}
	if tr.AccessToken == "" {
		return tr, time.Time{}, errors.New("token response: no access_token")
	}
	var exp time.Time
	switch {
	case tr.ExpiresOn.set:
		exp = time.Unix(tr.ExpiresOn.n, 0)
	case tr.ExpiresIn.set:
		exp = now.Add(time.Duration(tr.ExpiresIn.n) * time.Second)
	default:
		return tr, time.Time{}, errors.New("token response: no expires_on or expires_in")
	}
	if !exp.After(now) {
		return tr, time.Time{}, errors.New("token response: the token has already expired")
	}
	if tr.TokenType == "" {
		tr.TokenType = "Bearer"
	}
	return tr, exp, nil
}

// errorResponse is the OAuth error body IMDS sends. Only error_description
// values we recognise are ever copied into a message.
type errorResponse struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// tokenHTTPError turns a non-200 answer into an *Error without its body.
func (s *TokenSource) tokenHTTPError(status int, body []byte, resource string) *Error {
	var er errorResponse
	_ = json.Unmarshal(body, &er) // a non-JSON body just leaves the code empty
	e := &Error{Op: opToken, Status: status, Code: er.Error, Err: fmt.Errorf("identity endpoint answered %d", status)}
	switch {
	case strings.Contains(er.Description, errIdentityNotFound):
		e.Kind = KindNoIdentity
		e.Message = "the VM has no managed identity (" + errIdentityNotFound + ")"
		if s.identity != nil {
			e.Message = "the user-assigned identity is not assigned to this VM (" + errIdentityNotFound + ")"
		}
		e.Hint = noIdentityHint
	case er.Error == errInvalidResource:
		e.Kind = KindInvalid
		e.Message = "the identity endpoint refused the resource " + strconv.Quote(resource)
		e.Hint = "Ask for an App ID URI such as " + ResourceARM + " or " + ResourceStorage + "."
	case status == http.StatusNotFound, status == http.StatusGone:
		e.Kind = KindUnavailable
		e.Message = "the identity endpoint is updating (" + http.StatusText(status) + ") and did not recover within the retry budget"
		e.Hint = "IMDS is normally back within 70 seconds; try again shortly."
	case status == http.StatusTooManyRequests:
		e.Kind = KindThrottled
		e.Message = "the identity endpoint is throttling requests (20 per second, 5 at once)"
		e.Hint = "Something else on this VM may be calling IMDS heavily; try again shortly."
	case status == http.StatusForbidden && bytes.Contains(body, []byte("unreachable")):
		// Docker Desktop's proxy answers 403 "unreachable network" for 169.254.169.254.
		e.Kind = KindUnavailable
		e.Message = "the identity endpoint cannot be reached from here"
		e.Hint = s.unavailableHint()
	default:
		e.Kind = KindUpstream
		e.Message = "the identity endpoint answered " + http.StatusText(status)
		if er.Error != "" {
			e.Message += " (" + er.Error + ")"
		}
	}
	return e
}

// noIdentityHint tells the admin how to turn a managed identity on.
const noIdentityHint = "Enable the VM's managed identity: Azure portal → the VM → Identity → System assigned → On " +
	"(or: az vm identity assign -g <resource group> -n <vm name>). " +
	"For a user-assigned identity, check --client-id/--object-id/--msi-res-id."

// unavailableHint says where the identity endpoint should be reachable.
func (s *TokenSource) unavailableHint() string {
	if s.msiEndpoint != "" {
		return "Check that the managed identity VM extension answers at " + s.msiEndpoint +
			", or unset --msi-endpoint to use IMDS (169.254.169.254)."
	}
	h := "Check that this machine reaches the Azure Instance Metadata Service (IMDS) at " + s.imdsEndpoint
	if s.imdsEndpoint != defaultIMDSEndpoint {
		h += " (on Azure: " + defaultIMDSEndpoint + ")"
	}
	return h + ": it answers only inside an Azure VM, directly (no proxy), and a firewall rule must not block 169.254.169.254."
}
