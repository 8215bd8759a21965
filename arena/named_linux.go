package arena

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// createNamed creates the file of a named arena: exclusively (never an
// existing file, never through a symbolic link), close-on-exec, mode 0600
// whatever the umask, and size bytes long.
func createNamed(path string, size int64) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, &os.PathError{Op: "create", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	err = unix.Fchmod(fd, 0o600)
	if err == nil {
		err = unix.Ftruncate(fd, size)
	}
	if err != nil {
		removeNamed(f, path)
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// openPrivate opens a named arena's file for reading and writing, and
// checks it is private: what is checked is the file opened, not the path,
// so it cannot be swapped between the check and the use.
func openPrivate(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, err
	}
	if err := checkPrivate(st.Mode, st.Uid, uint32(os.Geteuid())); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkPrivate returns ErrNotPrivate unless a file of this mode and owner
// is a regular file that only user euid can open.
func checkPrivate(mode, uid, euid uint32) error {
	switch {
	case mode&unix.S_IFMT != unix.S_IFREG:
		return fmt.Errorf("%w: not a regular file (mode %#o)", ErrNotPrivate, mode)
	case uid != euid:
		return fmt.Errorf("%w: owned by uid %d, not %d", ErrNotPrivate, uid, euid)
	case mode&0o077 != 0:
		return fmt.Errorf("%w: mode %#o lets group or others in", ErrNotPrivate, mode&0o777)
	}
	return nil
}

// removeNamed removes a named arena's file, if path still names the file f
// (a file another process put there since is left alone). It does nothing
// for an anonymous arena (path "").
func removeNamed(f *os.File, path string) error {
	if path == "" {
		return nil
	}
	var mine, there unix.Stat_t
	if unix.Fstat(int(f.Fd()), &mine) != nil || unix.Lstat(path, &there) != nil ||
		mine.Dev != there.Dev || mine.Ino != there.Ino {
		return nil
	}
	if err := unix.Unlink(path); err != nil {
		return &os.PathError{Op: "remove", Path: path, Err: err}
	}
	return nil
}
