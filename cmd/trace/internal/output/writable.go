package output

import (
	"errors"
	"io/fs"
	"os"
)

// CheckWritable reports whether a file can be written at path without
// changing what is there: it opens path for writing, and if path did not
// exist it creates it and removes it again. Sinks check their files when
// they are opened, so that an output that cannot be written fails before
// the first frame instead of after a long render; a program that writes
// other files at the end of a run can check them the same way. A named
// pipe is not opened (that would wait for a reader) and passes. The error
// is the *os.PathError of the failed open.
func CheckWritable(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		f.Close()
		return os.Remove(path)
	}
	if !errors.Is(err, fs.ErrExist) {
		return err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode()&fs.ModeNamedPipe != 0 {
		return nil // opening a FIFO for writing waits for a reader: it cannot be checked
	}
	if f, err = os.OpenFile(path, os.O_WRONLY, 0); err != nil {
		return err
	}
	return f.Close()
}

// unwrapPath returns the cause of a *os.PathError, for an error that
// names the path itself rather than the file it tried.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
