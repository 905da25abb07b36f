package azuresim

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fault is an injected answer for the next requests whose path matches.
type fault struct {
	match      string
	status     int
	remaining  int
	retryAfter time.Duration
}

// FailNext makes the next n requests whose lower-cased path contains match
// (lower-cased too) answer status with the body that endpoint documents for
// it (IMDS's OAuth error, IMDS instance error or ARM's error envelope). A
// positive retryAfter is sent as Retry-After in whole seconds, rounded up.
// Faults added earlier are used up first.
func (s *Sim) FailNext(match string, status, n int, retryAfter time.Duration) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{
		match: strings.ToLower(match), status: status, remaining: n, retryAfter: retryAfter,
	})
}

// Delay makes every request whose lower-cased path contains match wait d
// before it is answered, or until the request's context ends (the client
// gave up), in which case nothing is answered. d <= 0 clears it.
func (s *Sim) Delay(match string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	match = strings.ToLower(match)
	if d <= 0 {
		delete(s.delays, match)
		return
	}
	s.delays[match] = d
}

// takeFault uses up one matching fault, if any.
func (s *Sim) takeFault(p string) (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !strings.Contains(p, f.match) {
			continue
		}
		f.remaining--
		if f.remaining == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return *f, true
	}
	return fault{}, false
}

// wait applies the longest matching delay. It reports false when the request
// context ended (or the test server is closing) first.
func (s *Sim) wait(r *http.Request, p string) bool {
	s.mu.Lock()
	var d time.Duration
	for m, md := range s.delays {
		if strings.Contains(p, m) && md > d {
			d = md
		}
	}
	s.mu.Unlock()
	if d == 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.stop:
		return false
	}
}

// endpoint kinds decide which error body a fault gets.
type endpointKind int

const (
	kindIdentity endpointKind = iota // IMDS token and MSI extension: OAuth error JSON
	kindInstance                     // IMDS instance metadata
	kindARM
	kindOther
)

func kindOf(p string) endpointKind {
	switch {
	case p == TokenPath || p == MSIPath:
		return kindIdentity
	case strings.HasPrefix(p, InstancePath):
		return kindInstance
	case strings.HasPrefix(p, ARMPath):
		return kindARM
	}
	return kindOther
}

// writeFault answers an injected fault as the endpoint would.
func writeFault(w http.ResponseWriter, p string, f fault) {
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(f.retryAfter))
	}
	if f.status == http.StatusTooManyRequests {
		writeThrottled(w, p, 0)
		return
	}
	switch kindOf(p) {
	case kindIdentity:
		code, desc := "unknown_error", http.StatusText(f.status)
		switch {
		case f.status == http.StatusNotFound || f.status == http.StatusGone:
			code, desc = "temporarily_unavailable", "IMDS endpoint is updating"
		case f.status >= 500:
			code, desc = "server_error", "Internal server error. Retry the request."
		}
		writeIMDSError(w, f.status, code, desc)
	case kindInstance:
		writeJSON(w, f.status, map[string]string{"error": http.StatusText(f.status)})
	case kindARM:
		code, msg := armFaultText(f.status)
		writeARMError(w, f.status, code, msg)
	default:
		http.Error(w, http.StatusText(f.status), f.status)
	}
}

// armFaultText is ARM's code and message for a gateway-level failure.
func armFaultText(status int) (code, message string) {
	switch status {
	case http.StatusInternalServerError:
		return "InternalServerError", fmt.Sprintf("Encountered internal server error. Diagnostic information: timestamp '%s', tracking id '%s'.",
			time.Now().UTC().Format("20060102T150405Z"), newGUID())
	case http.StatusBadGateway:
		return "BadGateway", "The gateway did not receive a response from the resource provider within the specified time period."
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable", "The service is currently unavailable. Please try again later."
	case http.StatusGatewayTimeout:
		return "GatewayTimeout", "The gateway did not receive a response from 'Microsoft.Storage' within the specified time period."
	case http.StatusConflict:
		return "Conflict", "The request conflicts with the current state of the resource."
	case http.StatusNotFound:
		return "NotFound", "The requested resource was not found."
	}
	return strings.ReplaceAll(http.StatusText(status), " ", ""), http.StatusText(status)
}

// writeThrottled answers 429 with the endpoint's throttling body.
// IMDS documents 429 for more than 20 requests/s or 5 concurrent requests;
// ARM answers SubscriptionRequestsThrottled,
// https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling
func writeThrottled(w http.ResponseWriter, p string, retryAfter time.Duration) {
	if retryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(retryAfter))
	}
	ra := w.Header().Get("Retry-After")
	if ra == "" {
		ra = "1"
	}
	switch kindOf(p) {
	case kindARM:
		w.Header().Set("x-ms-ratelimit-remaining-subscription-reads", "0")
		writeARMError(w, http.StatusTooManyRequests, "SubscriptionRequestsThrottled",
			fmt.Sprintf("Number of 'read' requests for subscription '%s' actor '%s' exceeded. Please try again after '%s' seconds after additional tickets become available. Refer to https://aka.ms/arm-throttling for additional information.",
				DefaultSubscriptionID, ObjectID, ra))
	case kindInstance:
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "Too many requests"})
	default:
		writeIMDSError(w, http.StatusTooManyRequests, "too_many_requests", "Too many requests. IMDS allows 20 requests per second and 5 concurrent requests.")
	}
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// imdsLimiter enforces IMDS's per-VM limits on the identity endpoint:
// 20 requests per second and 5 requests in flight,
// https://learn.microsoft.com/azure/virtual-machines/instance-metadata-service#rate-limiting
type imdsLimiter struct {
	now func() time.Time

	mu       sync.Mutex
	window   int64 // unix second of the current window
	count    int
	inFlight int
}

const (
	imdsMaxPerSecond  = 20
	imdsMaxConcurrent = 5
)

func newIMDSLimiter(now func() time.Time) *imdsLimiter { return &imdsLimiter{now: now} }

// acquire admits a request; release must be called when it is answered.
func (l *imdsLimiter) acquire() (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sec := l.now().Unix()
	if sec != l.window {
		l.window, l.count = sec, 0
	}
	if l.count >= imdsMaxPerSecond || l.inFlight >= imdsMaxConcurrent {
		return nil, false
	}
	l.count++
	l.inFlight++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.inFlight--
			l.mu.Unlock()
		})
	}, true
}
