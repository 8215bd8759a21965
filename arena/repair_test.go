package arena_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/edsrzf/mmap-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/arena"
)

// populated returns an arena with three regions, each holding a few bytes,
// and where its data area starts (the first region's offset): the header
// and directory are the bytes before it.
func populated(t *testing.T) (*arena.Arena, int) {
	t.Helper()
	a := newArena(t, 1<<16, nil)
	for i, name := range []string{"a", "b", "c"} {
		r, err := a.Alloc(name, 64*(i+1), arena.Kind(i))
		require.NoError(t, err)
		copy(r.Bytes(), name+"-data")
	}
	return a, int(a.Regions()[0].Offset)
}

// listing describes every region an arena lists: name, offset, length,
// kind and first bytes, one line each.
func listing(a *arena.Arena) (string, error) {
	var b strings.Builder
	for _, info := range a.Regions() {
		r, err := a.Region(info.Name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s %d %d %d %q\n", info.Name, info.Offset, info.Len, info.Kind, r.Bytes()[:6])
	}
	return b.String(), nil
}

// childList attaches the arena inherited as fd 3 and prints its listing.
func childList(string) error {
	a, err := arena.Attach(os.NewFile(3, "arena"))
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := listing(a)
	fmt.Print(s)
	return err
}

// listInChild returns what another process that attaches a sees.
func listInChild(t *testing.T, a *arena.Arena) string {
	t.Helper()
	out, err := runChild(t, listEnv+"=1", func(c *exec.Cmd) { c.ExtraFiles = []*os.File{a.File()} })
	require.NoError(t, err, out)
	return out
}

// listAttached returns what a new attacher of a sees, in this process.
func listAttached(t *testing.T, a *arena.Arena) string {
	t.Helper()
	b, err := corrupt(t, a, func([]byte) {})
	require.NoError(t, err)
	s, err := listing(b)
	require.NoError(t, err)
	return s
}

// scribble lets f write over a second mapping of the arena's file.
func scribble(t *testing.T, a *arena.Arena, f func(mem []byte)) {
	t.Helper()
	m, err := mmap.Map(a.File(), mmap.RDWR, 0)
	require.NoError(t, err)
	f(m)
	require.NoError(t, m.Unmap())
}

// headerAndDirectory returns a copy of the arena's bytes before data.
func headerAndDirectory(t *testing.T, a *arena.Arena, data int) []byte {
	t.Helper()
	var out []byte
	scribble(t, a, func(m []byte) { out = append(out, m[:data]...) })
	return out
}

const countOff = 32 // offset of the published-entry count in the header

func TestRepairRestoresHeaderAndDirectory(t *testing.T) {
	type effect int
	const (
		refused   effect = iota // Attach fails
		misled                  // Attach works, the listing is wrong
		invisible               // nothing a reader sees changes
	)
	cases := map[string]struct {
		f    func(m []byte, data int)
		want effect
	}{
		"random bytes": {func(m []byte, data int) {
			rng := rand.New(rand.NewPCG(6, 6))
			for i := range m[:data] {
				m[i] = byte(rng.Uint32())
			}
		}, refused},
		"zeros":           {func(m []byte, data int) { clear(m[:data]) }, refused},
		"magic":           {func(m []byte, _ int) { m[3] ^= 0xff }, refused},
		"version":         {func(m []byte, _ int) { m[8] = 0 }, refused},
		"directory size":  {func(m []byte, _ int) { m[12] ^= 0x40 }, refused},
		"size":            {func(m []byte, _ int) { m[17] ^= 0x01 }, refused},
		"data offset":     {func(m []byte, _ int) { m[24] ^= 0x40 }, refused},
		"count zero":      {func(m []byte, _ int) { binary.LittleEndian.PutUint32(m[countOff:], 0) }, misled},
		"count too large": {func(m []byte, _ int) { binary.LittleEndian.PutUint32(m[countOff:], ^uint32(0)) }, invisible},
		"entry name":      {func(m []byte, _ int) { m[64+24] = 'z' }, misled},
		"entry offset":    {func(m []byte, _ int) { m[64+64+1] ^= 0x01 }, misled},
		"reserved":        {func(m []byte, _ int) { m[40] = 1 }, invisible},
		"free slot":       {func(m []byte, _ int) { copy(m[64+5*64:], "junk") }, invisible},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			a, data := populated(t)
			want, err := listing(a)
			require.NoError(t, err)
			pristine := headerAndDirectory(t, a, data)

			b, err := corrupt(t, a, func(m []byte) { c.f(m, data) })
			switch c.want {
			case refused:
				require.ErrorIs(t, err, arena.ErrBadHeader, "the damage stops an Attach")
			case misled:
				require.NoError(t, err)
				got, _ := listing(b)
				require.NotEqual(t, want, got, "the damage misleads an Attach")
			case invisible:
				require.NoError(t, err)
			}

			fixed, err := a.Repair()
			require.NoError(t, err)
			assert.True(t, fixed, "something was wrong")
			assert.Equal(t, pristine, headerAndDirectory(t, a, data), "every byte restored")
			fixed, err = a.Repair()
			require.NoError(t, err)
			assert.False(t, fixed, "nothing left to repair")
			assert.Equal(t, want, listAttached(t, a), "a new attacher finds every region")
			if name == "random bytes" { // and so does another process
				assert.Equal(t, want, listInChild(t, a))
			}
		})
	}
}

func TestRepairIsTheCreatorsAlone(t *testing.T) {
	a, _ := populated(t)
	b, err := corrupt(t, a, func([]byte) {})
	require.NoError(t, err)
	_, err = b.Repair()
	assert.ErrorIs(t, err, arena.ErrNotOwner)
	require.NoError(t, a.Close())
	_, err = a.Repair()
	assert.ErrorIs(t, err, arena.ErrClosed)
}

func TestAllocIgnoresSharedHeader(t *testing.T) {
	for _, count := range []uint32{0, 1, ^uint32(0)} {
		t.Run(strconv.FormatUint(uint64(count), 10), func(t *testing.T) {
			a, _ := populated(t)
			scribble(t, a, func(m []byte) {
				binary.LittleEndian.PutUint32(m[countOff:], count)
				binary.LittleEndian.PutUint32(m[12:], ^uint32(0)) // directory capacity
			})
			late, err := a.Alloc("late", 64, arena.KindBytes)
			require.NoError(t, err, "the creator allocates from its private directory")
			copy(late.Bytes(), "late-data")
			_, err = a.Repair()
			require.NoError(t, err)
			want, err := listing(a)
			require.NoError(t, err)
			require.Len(t, a.Regions(), 4)
			assert.Equal(t, want, listAttached(t, a), "no earlier entry was overwritten")
		})
	}
}

func TestAttacherKeepsTheLayoutItChecked(t *testing.T) {
	a, data := populated(t)
	b, err := corrupt(t, a, func([]byte) {})
	require.NoError(t, err)
	scribble(t, a, func(m []byte) {
		binary.LittleEndian.PutUint32(m[12:], ^uint32(0)) // directory capacity
		binary.LittleEndian.PutUint32(m[countOff:], ^uint32(0))
		binary.LittleEndian.PutUint64(m[24:], 0) // data offset
		for i := 64 + 3*64; i < data; i++ {      // every free slot
			m[i] = 0xff
		}
	})
	assert.Len(t, b.Regions(), 3, "the directory ends where the checked header said")
	_, err = b.Region("missing")
	assert.ErrorIs(t, err, arena.ErrNotFound)
	_, err = b.Slice(0, 1)
	assert.ErrorIs(t, err, arena.ErrBadRegion, "the header is still out of bounds")
}

// childAttach attaches the arena at fd 3 n times, while the parent writes
// garbage over its header and repairs it, and prints how many attaches
// worked and how many were refused. Any other outcome, a fault or a panic
// included, is the failure the parent looks for.
func childAttach(spec string) error {
	n, err := strconv.Atoi(spec)
	if err != nil {
		return err
	}
	attached, refused := 0, 0
	for range n {
		fd, err := unix.Dup(3)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), "arena")
		a, err := arena.Attach(f)
		if errors.Is(err, arena.ErrBadHeader) || errors.Is(err, arena.ErrVersion) {
			f.Close()
			refused++
			continue
		}
		if err != nil {
			return err
		}
		attached++
		if err := readEverything(a); err != nil {
			return err
		}
		a.Close()
	}
	fmt.Println(attached, refused)
	return nil
}

// readEverything looks up and reads every region a lists, accepting only
// the errors a reader of a directory under attack may get.
func readEverything(a *arena.Arena) error {
	for _, info := range append(a.Regions(), arena.Info{Name: "a"}, arena.Info{Name: "c"}) {
		r, err := a.Region(info.Name)
		if errors.Is(err, arena.ErrNotFound) || errors.Is(err, arena.ErrBadRegion) {
			continue
		}
		if err != nil {
			return err
		}
		if b := r.Bytes(); len(b) > 0 {
			_ = b[0] + b[len(b)-1]
		}
	}
	return nil
}

func TestRepairWhileAnotherProcessAttaches(t *testing.T) {
	a, data := populated(t)
	want, err := listing(a)
	require.NoError(t, err)
	n := 10000
	if testing.Short() {
		n = 2000
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), attachEnv+"="+strconv.Itoa(n))
	cmd.ExtraFiles = []*os.File{a.File()}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	m, err := mmap.Map(a.File(), mmap.RDWR, 0)
	require.NoError(t, err)
	defer m.Unmap()
	rng := rand.New(rand.NewPCG(7, 7))
	rounds := 0
	for err = nil; ; rounds++ {
		select {
		case err = <-done:
		default:
			start := rng.IntN(data)
			if rng.IntN(2) == 0 { // the header, half the time
				start = rng.IntN(64)
			}
			for i := start; i < min(data, start+1+rng.IntN(128)); i++ {
				m[i] = byte(rng.Uint32())
			}
			_, rerr := a.Repair()
			require.NoError(t, rerr)
			continue
		}
		break
	}
	require.NoError(t, err, out.String())
	var attached, refused int
	_, err = fmt.Sscan(out.String(), &attached, &refused)
	require.NoError(t, err, out.String())
	t.Logf("%d rounds of garbage and repair; the other process attached %d times, was refused %d", rounds, attached, refused)
	assert.Equal(t, n, attached+refused)
	_, err = a.Repair()
	require.NoError(t, err)
	assert.Equal(t, want, listInChild(t, a))
}
