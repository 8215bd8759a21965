package arena_test

import (
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/arena"
)

var names atomic.Int64

// shmName returns a name no other test or test process uses.
func shmName() string {
	return "shmrun-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(names.Add(1), 10)
}

// runChild runs the test binary as a child in the mode env selects and
// returns its output and error.
func runChild(t *testing.T, env string, cfg func(*exec.Cmd)) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env)
	if cfg != nil {
		cfg(cmd)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestNamedArena(t *testing.T) {
	name := shmName()
	path := filepath.Join("/dev/shm", name)
	a := newArena(t, 1<<16, &arena.Options{Name: name})
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode(), "a private regular file")
	assert.EqualValues(t, os.Geteuid(), fi.Sys().(*syscall.Stat_t).Uid)

	in, err := a.Alloc("in", 64, arena.KindBytes)
	require.NoError(t, err)
	in.Uint32s()[0] = 42
	out, err := runChild(t, "SHMRUN_ARENA_TEST_NAMED="+name, nil)
	require.NoError(t, err, out)
	assert.Equal(t, "42\n", out, "another process finds it by name")

	_, err = arena.Create(1<<16, &arena.Options{Name: name})
	assert.ErrorIs(t, err, fs.ErrExist, "a taken name")

	require.NoError(t, a.Close())
	_, err = os.Lstat(path)
	assert.ErrorIs(t, err, fs.ErrNotExist, "Close removes the name")
	_, err = arena.AttachNamed(name)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestNamedArenaRefusesWhatIsNotPrivate(t *testing.T) {
	name := shmName()
	path := filepath.Join("/dev/shm", name)
	newArena(t, 1<<16, &arena.Options{Name: name})
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o602} {
		require.NoError(t, os.Chmod(path, mode))
		_, err := arena.AttachNamed(name)
		assert.ErrorIs(t, err, arena.ErrNotPrivate, "mode %#o", mode)
	}
	require.NoError(t, os.Chmod(path, 0o600))
	b, err := arena.AttachNamed(name)
	require.NoError(t, err, "private again")
	require.NoError(t, b.Close())
	_, err = os.Lstat(path)
	require.NoError(t, err, "only the creator removes the name")

	link := shmName()
	require.NoError(t, os.Symlink(path, filepath.Join("/dev/shm", link)))
	t.Cleanup(func() { os.Remove(filepath.Join("/dev/shm", link)) })
	_, err = arena.AttachNamed(link)
	assert.ErrorIs(t, err, unix.ELOOP, "never through a symbolic link")

	for _, bad := range []string{"", ".", "..", "../etc/passwd", "a/b", "nul\x00", strings.Repeat("n", 256)} {
		_, err := arena.AttachNamed(bad)
		assert.Error(t, err, "name %q", bad)
		if bad != "" { // "" is an anonymous arena
			_, err = arena.Create(1<<16, &arena.Options{Name: bad})
			assert.Error(t, err, "name %q", bad)
		}
	}
}

// TestNamedArenaRefusesOtherUsers needs root, to own files as another user
// and to run a process as one.
func TestNamedArenaRefusesOtherUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown a file and to run a process as another user")
	}
	const nobody = 65534
	name := shmName()
	path := filepath.Join("/dev/shm", name)
	newArena(t, 1<<16, &arena.Options{Name: name})

	// Another user's process cannot open it: the kernel checks mode 0600.
	bin := copyExecutable(t)
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = []string{"SHMRUN_ARENA_TEST_NAMED=" + name}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "uid %d attached: %s", nobody, out)
	assert.Contains(t, string(out), "permission denied")

	// And a file another user owns is refused, even by root, which the
	// mode does not stop: whoever owns it could read or resize it.
	require.NoError(t, os.Chown(path, nobody, nobody))
	_, err = arena.AttachNamed(name)
	assert.ErrorIs(t, err, arena.ErrNotPrivate)
}

// copyExecutable copies the test binary where any user may run it.
func copyExecutable(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "shmrun-arena-test")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	src, err := os.Open(os.Args[0])
	require.NoError(t, err)
	defer src.Close()
	bin := filepath.Join(dir, "arena.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(dst, src)
	require.NoError(t, err)
	require.NoError(t, dst.Close())
	return bin
}
