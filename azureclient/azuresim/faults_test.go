package azuresim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestSim_FailNext(t *testing.T) {
	tests := []struct {
		name             string
		givenMatch       string
		givenStatus      int
		givenN           int
		givenRetryAfter  time.Duration
		givenURL         string
		givenHeader      map[string]string
		expectStatus     int
		expectRetryAfter string
		expectErrorField string // IMDS "error", or ARM "error.code"
	}{
		{name: "imds 429", givenMatch: TokenPath, givenStatus: 429, givenN: 2, givenRetryAfter: 1500 * time.Millisecond,
			givenURL: tokenURL("https://management.azure.com/"), givenHeader: metadata,
			expectStatus: 429, expectRetryAfter: "2", expectErrorField: "too_many_requests"},
		{name: "imds 500", givenMatch: "/identity/", givenStatus: 500, givenN: 2,
			givenURL: tokenURL("https://management.azure.com/"), givenHeader: metadata,
			expectStatus: 500, expectErrorField: "server_error"},
		{name: "imds 410 while updating", givenMatch: TokenPath, givenStatus: 410, givenN: 2,
			givenURL: tokenURL("https://management.azure.com/"), givenHeader: metadata,
			expectStatus: 410, expectErrorField: "temporarily_unavailable"},
		{name: "arm 429", givenMatch: ListKeysPath, givenStatus: 429, givenN: 2, givenRetryAfter: 5 * time.Second,
			givenURL: "/subscriptions/" + DefaultSubscriptionID + "/resourceGroups/" + DefaultResourceGroup +
				"/providers/Microsoft.Storage/storageAccounts/msidashdemo/listKeys?api-version=2024-01-01",
			expectStatus: 429, expectRetryAfter: "5", expectErrorField: "SubscriptionRequestsThrottled"},
		{name: "arm 503", givenMatch: "/resourcegroups/", givenStatus: 503, givenN: 2,
			givenURL:     "/subscriptions/" + DefaultSubscriptionID + "/resourcegroups/" + DefaultResourceGroup + "?api-version=2021-04-01",
			expectStatus: 503, expectErrorField: "ServiceUnavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(WithClock(fixedClock))
			s.FailNext(tt.givenMatch, tt.givenStatus, tt.givenN, tt.givenRetryAfter)
			for i := range tt.givenN {
				rec := do(t, s, http.MethodGet, tt.givenURL, tt.givenHeader, "")
				if rec.Code != tt.expectStatus {
					t.Fatalf("call %d: status %d, want %d", i, rec.Code, tt.expectStatus)
				}
				if got := rec.Header().Get("Retry-After"); got != tt.expectRetryAfter {
					t.Errorf("Retry-After = %q, want %q", got, tt.expectRetryAfter)
				}
				body := decode(t, rec)
				code := body["error"]
				if m, ok := code.(map[string]any); ok {
					code = m["code"]
				}
				if code != tt.expectErrorField {
					t.Errorf("error code = %v, want %s", code, tt.expectErrorField)
				}
			}
			// Used up: the next request is answered normally (not the fault).
			rec := do(t, s, http.MethodGet, tt.givenURL, tt.givenHeader, "")
			if rec.Code == tt.expectStatus {
				t.Errorf("fault outlived n=%d", tt.givenN)
			}
			if got := s.Calls(tt.givenMatch); got != tt.givenN+1 {
				t.Errorf("Calls = %d, want %d", got, tt.givenN+1)
			}
		})
	}
}

func TestSim_FailNextOtherPathsUntouched(t *testing.T) {
	s := New()
	s.FailNext(ListKeysPath, 500, 1, 0)
	if rec := do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, ""); rec.Code != 200 {
		t.Fatalf("token status %d", rec.Code)
	}
}

func TestSim_DelayHonorsContext(t *testing.T) {
	tests := []struct {
		name          string
		givenDelay    time.Duration
		givenDeadline time.Duration
		expectStatus  int // 0: nothing answered
		expectAtLeast time.Duration
		expectAtMost  time.Duration
	}{
		{name: "waits the delay", givenDelay: 50 * time.Millisecond, givenDeadline: 5 * time.Second,
			expectStatus: 200, expectAtLeast: 50 * time.Millisecond, expectAtMost: 4 * time.Second},
		{name: "client gives up first", givenDelay: time.Hour, givenDeadline: 30 * time.Millisecond,
			expectStatus: 0, expectAtLeast: 30 * time.Millisecond, expectAtMost: 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New()
			s.Delay(TokenPath, tt.givenDelay)
			ctx, cancel := context.WithTimeout(context.Background(), tt.givenDeadline)
			defer cancel()
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, tokenURL("https://management.azure.com/"), nil)
			req.Header.Set("Metadata", "true")
			rec := httptest.NewRecorder()
			start := time.Now()
			s.ServeHTTP(rec, req)
			took := time.Since(start)
			if took < tt.expectAtLeast || took > tt.expectAtMost {
				t.Errorf("took %v, want between %v and %v", took, tt.expectAtLeast, tt.expectAtMost)
			}
			if tt.expectStatus == 0 {
				if rec.Body.Len() != 0 || len(s.IssuedTokens()) != 0 {
					t.Errorf("answered after the client gave up: %s", rec.Body)
				}
				return
			}
			if rec.Code != tt.expectStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.expectStatus)
			}
		})
	}
}

func TestSim_DelayCleared(t *testing.T) {
	s := New()
	s.Delay(TokenPath, time.Hour)
	s.Delay(TokenPath, 0)
	start := time.Now()
	do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, "")
	if time.Since(start) > time.Second {
		t.Errorf("delay not cleared")
	}
}

func TestSim_IMDSLimits(t *testing.T) {
	t.Run("more than 20 per second", func(t *testing.T) {
		s := New(WithIMDSLimits(), WithClock(fixedClock))
		var throttled int
		for range 25 {
			rec := do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, "")
			if rec.Code == http.StatusTooManyRequests {
				throttled++
				if rec.Header().Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
			}
		}
		if throttled != 5 {
			t.Errorf("throttled %d of 25, want 5", throttled)
		}
	})
	t.Run("more than 5 concurrent", func(t *testing.T) {
		s := New(WithIMDSLimits())
		s.Delay(TokenPath, 300*time.Millisecond)
		var wg sync.WaitGroup
		codes := make(chan int, 8)
		for range 8 {
			wg.Go(func() {
				codes <- do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, "").Code
			})
		}
		wg.Wait()
		close(codes)
		var throttled int
		for c := range codes {
			if c == http.StatusTooManyRequests {
				throttled++
			}
		}
		if throttled != 3 {
			t.Errorf("throttled %d of 8 concurrent, want 3", throttled)
		}
	})
}

func TestSim_Calls(t *testing.T) {
	s := New()
	for range 3 {
		do(t, s, http.MethodGet, tokenURL("https://management.azure.com/"), metadata, "")
	}
	do(t, s, http.MethodGet, InstancePath+"?api-version=2021-02-01", metadata, "")
	tests := []struct {
		name        string
		givenMatch  string
		expectCalls int
	}{
		{name: "token path", givenMatch: TokenPath, expectCalls: 3},
		{name: "case-insensitive", givenMatch: "/METADATA/", expectCalls: 4},
		{name: "all", givenMatch: "", expectCalls: 4},
		{name: "none", givenMatch: ListKeysPath, expectCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Calls(tt.givenMatch); got != tt.expectCalls {
				t.Errorf("Calls(%q) = %d, want %d", tt.givenMatch, got, tt.expectCalls)
			}
		})
	}
}
