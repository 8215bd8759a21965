package arena_test

import (
	"bufio"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/shmrun/shmrun/arena"
)

// The variables that select a child mode when the test binary is
// re-executed as the other process of a cross-process test.
const (
	childEnv  = "SHMRUN_ARENA_TEST_CHILD"  // attach fd 3, answer in place
	namedEnv  = "SHMRUN_ARENA_TEST_NAMED"  // attach the arena of this name
	resizeEnv = "SHMRUN_ARENA_TEST_RESIZE" // try to resize the arena at fd 3
	listEnv   = "SHMRUN_ARENA_TEST_LIST"   // attach fd 3, print its regions
	attachEnv = "SHMRUN_ARENA_TEST_ATTACH" // attach fd 3 this many times
)

func TestMain(m *testing.M) {
	modes := []struct {
		env string
		run func(string) error
	}{{childEnv, child}, {namedEnv, childNamed}, {resizeEnv, childResize}, {listEnv, childList}, {attachEnv, childAttach}}
	for _, c := range modes {
		if v := os.Getenv(c.env); v != "" {
			if err := c.run(v); err != nil {
				fmt.Fprintln(os.Stderr, "child:", err)
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// child attaches to the arena inherited as fd 3, checks what the parent
// wrote, answers in place, then waits for the parent to allocate a region
// after the attach and finds it.
func child(mode string) error {
	a, err := arena.Attach(os.NewFile(3, "arena"))
	if err != nil {
		return err
	}
	defer a.Close()
	in, err := a.Region("in")
	if err != nil {
		return err
	}
	out, err := a.Region("out")
	if err != nil {
		return err
	}
	src, dst := in.Uint32s(), out.Uint32s()
	for i, v := range src {
		if v != uint32(i)*7 {
			return fmt.Errorf("in[%d] = %d, want %d", i, v, i*7)
		}
		dst[i] = v + 1
	}
	if _, err := a.Alloc("mine", 64, arena.KindBytes); err == nil {
		return fmt.Errorf("alloc in an attached arena succeeded")
	}
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	late, err := a.Region("late")
	if err != nil {
		return err
	}
	copy(late.Bytes(), mode)
	return nil
}

// childNamed attaches the arena called name and prints the first word of
// its region "in".
func childNamed(name string) error {
	a, err := arena.AttachNamed(name)
	if err != nil {
		return err
	}
	defer a.Close()
	in, err := a.Region("in")
	if err != nil {
		return err
	}
	fmt.Println(in.Uint32s()[0])
	return nil
}

// childResize tries to shrink and grow the arena inherited as fd 3, through
// that descriptor and through a new one opened from /proc/self/fd/3, and
// prints what each attempt returned.
func childResize(string) error {
	f, err := os.OpenFile("/proc/self/fd/3", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, fd := range []int{3, int(f.Fd())} {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return err
		}
		fmt.Println(unix.Ftruncate(fd, 0), unix.Ftruncate(fd, st.Size*2))
	}
	return nil
}
