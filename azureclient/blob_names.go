package azureclient

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Naming rules, checked before any call so a bad name is a 400 with a reason
// rather than Azure's bare "InvalidResourceName".
// https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata
const (
	codeInvalidContainerName = "InvalidContainerName"
	codeInvalidBlobName      = "InvalidBlobName"
	maxBlobNameLen           = 1024
)

// ValidateContainerName checks name against Azure's container naming rule:
// 3-63 characters of lowercase letters, digits and single hyphens, starting
// and ending with a letter or digit. It returns an *Error KindInvalid with
// Code "InvalidContainerName" saying what is wrong.
func ValidateContainerName(name string) error {
	bad := func(why string) error {
		return &Error{Op: "blobs.ValidateContainerName", Kind: KindInvalid, Code: codeInvalidContainerName,
			Message: fmt.Sprintf("Container name %q is not valid: %s.", name, why),
			Hint:    "Container names are 3-63 characters: lowercase letters, digits and single hyphens, starting and ending with a letter or digit."}
	}
	if len(name) < 3 || len(name) > 63 {
		return bad(fmt.Sprintf("it has %d characters, it needs 3 to 63", utf8.RuneCountInString(name)))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-':
			if i == 0 || i == len(name)-1 {
				return bad("it must start and end with a letter or digit")
			}
			if name[i-1] == '-' {
				return bad("it has two hyphens in a row")
			}
		case c >= 'A' && c <= 'Z':
			return bad("it has uppercase letters; use lowercase")
		default:
			r, _ := utf8.DecodeRuneInString(name[i:])
			return bad(fmt.Sprintf("it contains %q; only lowercase letters, digits and hyphens are allowed", r))
		}
	}
	return nil
}

// ValidateBlobName checks name against Azure's blob naming rule (1-1024
// characters) and the stricter rules msidash keeps so that every blob it
// writes can be addressed through a URL path: no control characters or
// backslash, no leading "/", no empty, "." or ".." segment, and no trailing
// "/" or ".". It returns an *Error KindInvalid with Code "InvalidBlobName".
func ValidateBlobName(name string) error {
	bad := func(why string) error {
		return &Error{Op: "blobs.ValidateBlobName", Kind: KindInvalid, Code: codeInvalidBlobName,
			Message: fmt.Sprintf("Blob name %q is not valid: %s.", name, why),
			Hint:    "Blob names are 1-1024 characters; \"/\" separates virtual folders, so segments may not be empty, \".\" or \"..\"."}
	}
	if name == "" {
		return bad("it is empty")
	}
	if !utf8.ValidString(name) {
		return bad("it is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(name); n > maxBlobNameLen {
		return bad(fmt.Sprintf("it has %d characters, at most %d are allowed", n, maxBlobNameLen))
	}
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return bad(fmt.Sprintf("it contains the control character %U", r))
		case r == '\\':
			return bad("it contains a backslash; use \"/\" for folders")
		case r == 0xfffe || r == 0xffff || (r >= 0xd800 && r <= 0xdfff):
			return bad(fmt.Sprintf("it contains the non-character %U", r))
		}
	}
	if strings.HasPrefix(name, "/") {
		return bad("it starts with \"/\"")
	}
	if strings.HasSuffix(name, "/") {
		return bad("it ends with \"/\"")
	}
	if strings.HasSuffix(name, ".") {
		return bad("it ends with \".\"; Azure drops trailing dots")
	}
	for _, seg := range strings.Split(name, "/") {
		switch seg {
		case "":
			return bad("it has an empty folder (\"//\")")
		case ".", "..":
			return bad(fmt.Sprintf("it has a %q segment", seg))
		}
	}
	return nil
}
