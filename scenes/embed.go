// Package scenes holds the scene files of cmd/trace and embeds them, so that
// the program finds its scenes from any working directory. The format is
// described in README.md next to this file.
package scenes

import (
	"embed"
	"io/fs"
)

//go:embed *.json *.obj
var files embed.FS

// FS returns the embedded scene files: every *.json and *.obj file of this
// directory, at the root of the returned file system. It is read-only and
// safe for concurrent use.
func FS() fs.FS { return files }
