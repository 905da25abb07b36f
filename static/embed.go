// Package static holds the dashboard's assets, served from the binary: no CDN,
// no external request.
package static

import (
	"embed"
	"io/fs"
)

//go:embed app.css app.js vendor
var files embed.FS

// FS returns the assets, rooted at this folder.
func FS() fs.FS { return files }
