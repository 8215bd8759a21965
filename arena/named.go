package arena

import (
	"fmt"
	"path/filepath"
	"strings"
)

// shmDir is where named arenas live: the directory glibc's shm_open uses,
// a tmpfs on Linux.
const shmDir = "/dev/shm"

// maxNameLen is the longest file name Linux accepts (NAME_MAX).
const maxNameLen = 255

// AttachNamed maps the arena a process created with Options.Name, after
// checking that its file is private: a regular file (not a link), owned by
// this process's effective user, with no permission for group or others.
// Anything else fails with ErrNotPrivate, and a name nobody created with an
// error wrapping fs.ErrNotExist. Named arenas are not sealed, so only the
// header is checked, as by Attach. The Arena owns the file it opened; Close
// unmaps it and leaves the name in place (the creator removes it).
func AttachNamed(name string) (*Arena, error) {
	path, err := namedPath(name)
	if err != nil {
		return nil, fmt.Errorf("arena: attach: %w", err)
	}
	f, err := openPrivate(path)
	if err != nil {
		return nil, fmt.Errorf("arena: attach %s: %w", path, err)
	}
	a, err := attach(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return a, nil
}

// namedPath checks a name and returns its file's path: one plain file name,
// never a path that could lead out of shmDir.
func namedPath(name string) (string, error) {
	if name == "" || len(name) > maxNameLen || name == "." || name == ".." ||
		strings.ContainsAny(name, "/\x00") {
		return "", fmt.Errorf("bad arena name %q: want 1 to %d bytes, no '/' or NUL, neither %q nor %q", name, maxNameLen, ".", "..")
	}
	return filepath.Join(shmDir, name), nil
}
