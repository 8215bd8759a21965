package arena_test

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/edsrzf/mmap-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/arena"
)

func newArena(t *testing.T, size int, o *arena.Options) *arena.Arena {
	t.Helper()
	a, err := arena.Create(size, o)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

func TestCrossProcess(t *testing.T) {
	a := newArena(t, 1<<20, nil)
	in, err := a.Alloc("in", 4096, arena.KindBytes)
	require.NoError(t, err)
	_, err = a.Alloc("out", 4096, arena.KindBytes)
	require.NoError(t, err)
	for i := range in.Uint32s() {
		in.Uint32s()[i] = uint32(i) * 7
	}

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SHMRUN_ARENA_TEST_CHILD=hello from the child")
	cmd.ExtraFiles = []*os.File{a.File()}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)

	out, err := a.Region("out")
	require.NoError(t, err)
	for i, v := range out.Uint32s() {
		require.Equal(t, uint32(i)*7+1, v, "out[%d]", i)
	}
	late, err := a.Alloc("late", 64, arena.KindBytes)
	require.NoError(t, err)
	_, err = stdin.Write([]byte("go\n"))
	require.NoError(t, err)
	require.NoError(t, cmd.Wait())
	assert.Equal(t, "hello from the child", strings.TrimRight(string(late.Bytes()), "\x00"))
}

func TestSealedAgainstResize(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	fd := int(a.File().Fd())
	assert.ErrorIs(t, unix.Ftruncate(fd, 0), unix.EPERM, "shrink")
	assert.ErrorIs(t, unix.Ftruncate(fd, int64(a.Size())*2), unix.EPERM, "grow")
	_, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_WRITE)
	assert.ErrorIs(t, err, unix.EPERM, "seals are sealed")
}

func TestSealedAgainstResizeInAnotherProcess(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	out, err := runChild(t, "SHMRUN_ARENA_TEST_RESIZE=1", func(c *exec.Cmd) { c.ExtraFiles = []*os.File{a.File()} })
	require.NoError(t, err, out)
	refused := unix.EPERM.Error() + " " + unix.EPERM.Error() + "\n"
	assert.Equal(t, refused+refused, out, "shrink and grow, through the inherited fd and a reopened one")
	var st unix.Stat_t
	require.NoError(t, unix.Fstat(int(a.File().Fd()), &st))
	assert.EqualValues(t, a.Size(), st.Size)
}

func TestAttachRefusesUnsealedFile(t *testing.T) {
	fd, err := unix.MemfdCreate("unsealed", unix.MFD_CLOEXEC)
	require.NoError(t, err)
	f := os.NewFile(uintptr(fd), "unsealed")
	defer f.Close()
	require.NoError(t, f.Truncate(1<<16))
	_, err = arena.Attach(f)
	assert.ErrorIs(t, err, arena.ErrNotSealed)
}

func TestAllocExhaustion(t *testing.T) {
	a := newArena(t, 1<<16, &arena.Options{MaxRegions: 4})
	free := a.Free()
	_, err := a.Alloc("too-big", free+1, arena.KindBytes)
	assert.ErrorIs(t, err, arena.ErrNoSpace)
	for _, name := range []string{"a", "b", "c", "d"} {
		_, err := a.Alloc(name, 100, arena.KindBytes)
		require.NoError(t, err)
	}
	_, err = a.Alloc("e", 1, arena.KindBytes)
	assert.ErrorIs(t, err, arena.ErrNoSpace, "directory full")

	b := newArena(t, 1<<16, nil)
	_, err = b.Alloc("most", b.Free()-10, arena.KindBytes)
	require.NoError(t, err)
	_, err = b.Alloc("rest", 64, arena.KindBytes)
	assert.ErrorIs(t, err, arena.ErrNoSpace, "memory full")
}

func TestAllocRules(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	r, err := a.Alloc("x", 10, arena.Kind(42))
	require.NoError(t, err)
	assert.Zero(t, r.Offset()%arena.Alignment)
	assert.Equal(t, arena.Kind(42), r.Kind())
	_, err = a.Alloc("x", 10, arena.KindBytes)
	assert.ErrorIs(t, err, arena.ErrExists)
	_, err = a.Alloc("", 10, arena.KindBytes)
	assert.Error(t, err)
	_, err = a.Alloc(strings.Repeat("n", arena.MaxNameLen+1), 10, arena.KindBytes)
	assert.Error(t, err)
	_, err = a.AllocAligned("odd", 10, 96, arena.KindBytes)
	assert.Error(t, err)
	p, err := a.AllocAligned("page", 10, 4096, arena.KindBytes)
	require.NoError(t, err)
	assert.Zero(t, p.Offset()%4096)
	_, err = a.Region("nope")
	assert.ErrorIs(t, err, arena.ErrNotFound)
}

func TestViewsAlias(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	r, err := a.Alloc("v", 64, arena.KindBytes)
	require.NoError(t, err)
	r.Float32s()[0] = 1.5
	assert.Equal(t, uint32(0x3fc00000), r.Uint32s()[0])
	assert.Equal(t, byte(0xc0), r.Bytes()[2])
	r.Uint64s()[7] = 1
	assert.Equal(t, byte(1), r.Bytes()[56])
	assert.Len(t, arena.View[int16](r), 32)
}

func TestSub(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	r, err := a.Alloc("s", 256, arena.KindBytes)
	require.NoError(t, err)
	s, err := r.Sub(64, 128)
	require.NoError(t, err)
	assert.Equal(t, r.Offset()+64, s.Offset())
	s.Bytes()[0] = 7
	assert.Equal(t, byte(7), r.Bytes()[64])
	for _, c := range [][2]int{{1, 10}, {-64, 1}, {64, 193}, {320, 0}} {
		_, err := r.Sub(c[0], c[1])
		assert.ErrorIs(t, err, arena.ErrBadRegion, "sub %v", c)
	}
}

func TestSlice(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	r, err := a.Alloc("s", 128, arena.KindBytes)
	require.NoError(t, err)
	b, err := a.Slice(r.Offset(), 128)
	require.NoError(t, err)
	b[0] = 9
	assert.Equal(t, byte(9), r.Bytes()[0])
	for _, c := range [][2]int64{{0, 1}, {r.Offset(), -1}, {int64(a.Size()), 1}, {r.Offset(), int64(a.Size())}, {-5, 1}, {1 << 62, 1 << 62}} {
		_, err := a.Slice(c[0], c[1])
		assert.ErrorIs(t, err, arena.ErrBadRegion, "slice %v", c)
	}
}

// corrupt maps the arena's file a second time and lets f scribble on it, then
// attaches a fresh descriptor of the same file.
func corrupt(t *testing.T, a *arena.Arena, f func(mem []byte)) (*arena.Arena, error) {
	t.Helper()
	m, err := mmap.Map(a.File(), mmap.RDWR, 0)
	require.NoError(t, err)
	f(m)
	require.NoError(t, m.Unmap())
	fd, err := unix.Dup(int(a.File().Fd()))
	require.NoError(t, err)
	file := os.NewFile(uintptr(fd), "dup")
	b, err := arena.Attach(file)
	if err != nil {
		file.Close()
		return nil, err
	}
	t.Cleanup(func() { b.Close() })
	return b, nil
}

func TestAttachRefusesCorruptHeader(t *testing.T) {
	cases := map[string]struct {
		off  int
		val  byte
		want error
	}{
		"magic":         {0, 'X', arena.ErrBadHeader},
		"newer version": {8, arena.Version + 1, arena.ErrVersion},
		"zero version":  {8, 0, arena.ErrBadHeader},
		"directory":     {15, 0xff, arena.ErrBadHeader},
		"size":          {22, 0x01, arena.ErrBadHeader},
		"data offset":   {24, 0x01, arena.ErrBadHeader},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a := newArena(t, 1<<16, nil)
			_, err := corrupt(t, a, func(m []byte) { m[c.off] = c.val })
			assert.ErrorIs(t, err, c.want)
		})
	}
	t.Run("intact", func(t *testing.T) {
		a := newArena(t, 1<<16, nil)
		_, err := corrupt(t, a, func([]byte) {})
		assert.NoError(t, err)
	})
}

func TestCorruptDirectoryEntry(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	r, err := a.Alloc("victim", 64, arena.KindBytes)
	require.NoError(t, err)
	b, err := corrupt(t, a, func(m []byte) {
		m[64+8+7] = 0x7f // the first entry's length becomes enormous
	})
	require.NoError(t, err)
	_, err = b.Region("victim")
	assert.ErrorIs(t, err, arena.ErrBadRegion)
	assert.Empty(t, b.Regions(), "a corrupt entry is not listed")
	got, err := a.Region("victim")
	require.NoError(t, err, "the creator trusts its private directory")
	assert.Equal(t, r.Len(), got.Len())
}

func TestCreatorIgnoresSharedDirectory(t *testing.T) {
	a := newArena(t, 1<<16, nil)
	_, err := a.Alloc("first", 64, arena.KindBytes)
	require.NoError(t, err)
	_, err = a.Alloc("second", 128, arena.Kind(7))
	require.NoError(t, err)
	want := a.Regions()
	m, err := mmap.Map(a.File(), mmap.RDWR, 0)
	require.NoError(t, err)
	for i := 64; i < 64+2*64; i++ { // both entries, name lengths included
		m[i] = 0xff
	}
	require.NoError(t, m.Unmap())
	assert.Equal(t, want, a.Regions(), "the creator lists its private directory")
	require.Len(t, want, 2)
	assert.Equal(t, arena.Info{Name: "second", Offset: want[1].Offset, Len: 128, Kind: 7}, want[1])
}

func TestCloseReleasesEverything(t *testing.T) {
	before := countFDs(t)
	a, err := arena.Create(1<<20, &arena.Options{Label: "close-test"})
	require.NoError(t, err)
	assert.Contains(t, readMaps(t), "memfd:close-test")
	require.NoError(t, a.Close())
	require.NoError(t, a.Close(), "idempotent")
	assert.Equal(t, before, countFDs(t))
	assert.NotContains(t, readMaps(t), "memfd:close-test")
	_, err = a.Alloc("x", 1, arena.KindBytes)
	assert.ErrorIs(t, err, arena.ErrClosed)
	_, err = a.Region("x")
	assert.ErrorIs(t, err, arena.ErrClosed)
	shm, err := os.ReadDir("/dev/shm")
	if err == nil {
		for _, e := range shm {
			assert.NotContains(t, e.Name(), "close-test")
		}
	}
}

func TestCreateRejectsBadSizes(t *testing.T) {
	for _, n := range []int{-1, 0, 100} {
		_, err := arena.Create(n, nil)
		assert.Error(t, err, "size %d", n)
	}
	_, err := arena.Create(1<<16, &arena.Options{MaxRegions: -1})
	assert.Error(t, err)
	small, err := arena.Create(1<<16, &arena.Options{MaxRegions: 1})
	require.NoError(t, err)
	assert.NoError(t, small.Close())
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(ents)
}

func readMaps(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	require.NoError(t, err)
	return string(b)
}
