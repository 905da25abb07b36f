package web

import (
	"testing"
	"time"
)

func TestHumanSize(t *testing.T) {
	tests := []struct {
		given  int64
		expect string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {4<<20 + 1, "4.0 MiB"}, {512 << 20, "512.0 MiB"}, {5 << 30, "5.0 GiB"},
	}
	for _, tt := range tests {
		if got := HumanSize(tt.given); got != tt.expect {
			t.Errorf("HumanSize(%d) = %q, want %q", tt.given, got, tt.expect)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		given  time.Duration
		expect string
	}{
		{-time.Second, "expired"}, {0, "expired"}, {42 * time.Second, "42s"},
		{41*time.Minute + 12*time.Second, "41m 12s"}, {2*time.Hour + 3*time.Minute, "2h 3m"},
	}
	for _, tt := range tests {
		if got := HumanDuration(tt.given); got != tt.expect {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.given, got, tt.expect)
		}
	}
}

func TestHumanTime(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		given  time.Time
		expect string
	}{
		{time.Time{}, "—"}, {now.Add(-10 * time.Second), "just now"}, {now.Add(-time.Minute), "1 minute ago"},
		{now.Add(-3 * time.Hour), "3 hours ago"}, {now.Add(-50 * 24 * time.Hour), "2026-10-04"},
		{now.Add(time.Hour), "2026-11-23 13:00 UTC"},
	}
	for _, tt := range tests {
		if got := HumanTime(tt.given, now); got != tt.expect {
			t.Errorf("HumanTime(%v) = %q, want %q", tt.given, got, tt.expect)
		}
	}
	if got := ExactTime(now.In(time.FixedZone("x", 3600))); got != "2026-11-23T12:00:00Z" {
		t.Errorf("ExactTime = %q, want RFC 3339 UTC", got)
	}
}

func TestPaths_EscapeEachSegment(t *testing.T) {
	tests := []struct {
		name   string
		given  string
		expect string
	}{
		{name: "blob with folders and specials", given: BlobPath("acct", "c", "a b/%#?.txt"), expect: "/accounts/acct/containers/c/blobs/a%20b/%25%23%3F.txt"},
		{name: "api blob", given: APIBlobPath("acct", "c", "x/y"), expect: "/api/v1/storage-accounts/acct/containers/c/blobs/x/y"},
		{name: "folder", given: FolderPath("acct", "c", "a b/"), expect: "/accounts/acct/containers/c?prefix=a+b%2F"},
		{name: "csrf on a plain path", given: WithCSRF("/x", "t0k"), expect: "/x?csrf=t0k"},
		{name: "csrf after a query", given: WithCSRF("/x?a=1", "t0k"), expect: "/x?a=1&csrf=t0k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.given != tt.expect {
				t.Fatalf("got %q, want %q", tt.given, tt.expect)
			}
		})
	}
}
