package arena

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// requiredSeals are the seals Attach insists on: without them another
// process could shrink the file and every mapping past the new end would
// fault with SIGBUS.
const requiredSeals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW

// newMemfd creates an anonymous, sealable, close-on-exec memory file of the
// given size. Close-on-exec keeps it from leaking into unrelated children;
// exec.Cmd.ExtraFiles still passes it on purpose, because it dup2s the fd.
func newMemfd(label string, size int64) (*os.File, error) {
	fd, err := unix.MemfdCreate(label, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:"+label)
	if err := unix.Ftruncate(fd, size); err != nil {
		f.Close()
		return nil, fmt.Errorf("ftruncate memfd to %d: %w", size, err)
	}
	return f, nil
}

// seal forbids any further change of size, and any further change of seals.
func seal(f *os.File) error {
	_, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, requiredSeals|unix.F_SEAL_SEAL)
	if err != nil {
		return fmt.Errorf("seal memfd: %w", err)
	}
	return nil
}

// checkSealed returns ErrNotSealed unless f carries requiredSeals.
func checkSealed(f *os.File) error {
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotSealed, err)
	}
	if seals&requiredSeals != requiredSeals {
		return fmt.Errorf("%w: seals %#x", ErrNotSealed, seals)
	}
	return nil
}
