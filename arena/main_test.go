package arena_test

import (
	"bufio"
	"fmt"
	"os"
	"testing"

	"github.com/shmrun/shmrun/arena"
)

// childEnv selects a child mode when the test binary is re-executed as the
// other process of a cross-process test.
const childEnv = "SHMRUN_ARENA_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		if err := child(mode); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
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
