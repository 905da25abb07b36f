package azureclient

import (
	"strings"
	"testing"
)

func TestValidateContainerName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		given       string
		expectOK    bool
		expectInMsg string
	}{
		{name: "simple", given: "uploads", expectOK: true},
		{name: "min length with digits", given: "a1b", expectOK: true},
		{name: "single hyphens", given: "my-data-2024", expectOK: true},
		{name: "max length", given: strings.Repeat("a", 63), expectOK: true},
		{name: "too short", given: "ab", expectInMsg: "3 to 63"},
		{name: "empty", given: "", expectInMsg: "3 to 63"},
		{name: "too long", given: strings.Repeat("a", 64), expectInMsg: "3 to 63"},
		{name: "uppercase", given: "Uploads", expectInMsg: "uppercase"},
		{name: "leading hyphen", given: "-abc", expectInMsg: "start and end"},
		{name: "trailing hyphen", given: "abc-", expectInMsg: "start and end"},
		{name: "double hyphen", given: "a--b", expectInMsg: "two hyphens"},
		{name: "underscore", given: "a_b_c", expectInMsg: `'_'`},
		{name: "dot", given: "a.bc", expectInMsg: `'.'`},
		{name: "unicode", given: "ünïcode", expectInMsg: `'ü'`},
		{name: "space", given: "a bc", expectInMsg: `' '`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateContainerName(tt.given)
			if tt.expectOK {
				if err != nil {
					t.Fatalf("ValidateContainerName(%q) = %v", tt.given, err)
				}
				return
			}
			e := asError(t, err, KindInvalid, "InvalidContainerName")
			if !strings.Contains(e.Message, tt.expectInMsg) {
				t.Fatalf("message %q does not say %q", e.Message, tt.expectInMsg)
			}
		})
	}
}

func TestValidateBlobName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		given       string
		expectOK    bool
		expectInMsg string
	}{
		{name: "simple", given: "report.csv", expectOK: true},
		{name: "folders", given: "2024/01/report.csv", expectOK: true},
		{name: "spaces and unicode", given: "my files/Grüße 日本.txt", expectOK: true},
		{name: "percent and hash", given: "a%20b#c?d", expectOK: true},
		{name: "dots inside", given: "a/.hidden/b..c", expectOK: true},
		{name: "max length", given: strings.Repeat("é", 1024), expectOK: true},
		{name: "empty", given: "", expectInMsg: "empty"},
		{name: "too long", given: strings.Repeat("a", 1025), expectInMsg: "1025 characters"},
		{name: "NUL", given: "a\x00b", expectInMsg: "control character"},
		{name: "newline", given: "a\nb", expectInMsg: "control character"},
		{name: "DEL", given: "a\x7fb", expectInMsg: "control character"},
		{name: "backslash", given: `a\b`, expectInMsg: "backslash"},
		{name: "leading slash", given: "/a", expectInMsg: `starts with "/"`},
		{name: "trailing slash", given: "a/", expectInMsg: `ends with "/"`},
		{name: "trailing dot", given: "a.", expectInMsg: `ends with "."`},
		{name: "empty segment", given: "a//b", expectInMsg: "empty folder"},
		{name: "dot segment", given: "a/./b", expectInMsg: `"." segment`},
		{name: "dotdot segment", given: "../etc/passwd", expectInMsg: `".." segment`},
		{name: "only dotdot", given: "..", expectInMsg: `ends with "."`},
		{name: "invalid utf8", given: "a\xffb", expectInMsg: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateBlobName(tt.given)
			if tt.expectOK {
				if err != nil {
					t.Fatalf("ValidateBlobName(%q) = %v", tt.given, err)
				}
				return
			}
			e := asError(t, err, KindInvalid, "InvalidBlobName")
			if !strings.Contains(e.Message, tt.expectInMsg) {
				t.Fatalf("message %q does not say %q", e.Message, tt.expectInMsg)
			}
		})
	}
}
