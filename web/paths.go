package web

import (
	"net/url"
	"strings"
)

// Page and API paths. Every link and form action is built here, escaping each
// segment: blob names hold "/", "%", "#", "?" and spaces.

// OverviewPath is the overview page.
func OverviewPath() string { return "/" }

// ResourceGroupPath is the resource group page.
func ResourceGroupPath() string { return "/resource-group" }

// DoctorPath is the doctor page.
func DoctorPath() string { return "/doctor" }

// TokenRefreshPath refreshes the ARM token from a page.
func TokenRefreshPath() string { return "/token/refresh" }

// RefreshPath drops cached ARM reads from a page.
func RefreshPath() string { return "/refresh" }

// AccountPath is a storage account page.
func AccountPath(account string) string { return "/accounts/" + url.PathEscape(account) }

// CreateContainerPath creates a container from a page.
func CreateContainerPath(account string) string { return AccountPath(account) + "/containers" }

// ContainerPath is a container page at its root folder.
func ContainerPath(account, container string) string {
	return AccountPath(account) + "/containers/" + url.PathEscape(container)
}

// FolderPath is a container page showing one virtual folder.
func FolderPath(account, container, prefix string) string {
	p := ContainerPath(account, container)
	if prefix == "" {
		return p
	}
	return p + "?" + url.Values{"prefix": {prefix}}.Encode()
}

// UploadPath takes an upload form post.
func UploadPath(account, container string) string {
	return ContainerPath(account, container) + "/upload"
}

// BlobPath is the properties page of a blob.
func BlobPath(account, container, blob string) string {
	return ContainerPath(account, container) + "/blobs/" + EscapeBlobName(blob)
}

// BlobDeletePath deletes a blob from a page.
func BlobDeletePath(account, container, blob string) string {
	return ContainerPath(account, container) + "/delete/" + EscapeBlobName(blob)
}

// APIBlobPath is a blob in the JSON API; pages link downloads to it.
func APIBlobPath(account, container, blob string) string {
	return "/api/v1/storage-accounts/" + url.PathEscape(account) + "/containers/" +
		url.PathEscape(container) + "/blobs/" + EscapeBlobName(blob)
}

// EscapeBlobName escapes each "/"-separated segment of a blob name.
func EscapeBlobName(blob string) string {
	segs := strings.Split(blob, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// WithCSRF adds the CSRF token to a form action. Forms must work without
// JavaScript, and the server reads the token from the URL rather than from a
// parsed form body (which, for an upload, would read the whole file first).
func WithCSRF(path, token string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "csrf=" + url.QueryEscape(token)
}
