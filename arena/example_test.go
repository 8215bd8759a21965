package arena_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/shmrun/shmrun/arena"
)

// Example lays out an arena as a master would before starting its workers,
// then finds a region again by name, as a worker would after attaching.
func Example() {
	// 1. The master creates the arena: a sealed memfd of 1 MiB.
	a, err := arena.Create(1<<20, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()

	// 2. It allocates named regions and writes into them in place.
	pixels, err := a.Alloc("pixels", 4*64*64, arena.KindBytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	pixels.Uint32s()[0] = 0xff0000ff

	// 3. A worker gets a.File() through exec.Cmd.ExtraFiles, calls
	// arena.Attach on it, and looks the region up by name; the offset is
	// the same in every process.
	found, err := a.Region("pixels")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d bytes at a 64-aligned offset: %v, first pixel %#x\n",
		found.Name(), found.Len(), found.Offset()%64 == 0, found.Uint32s()[0])
	// Output: pixels: 16384 bytes at a 64-aligned offset: true, first pixel 0xff0000ff
}

// ExampleAttachNamed shares an arena by name, with a process that did not
// inherit its descriptor.
func ExampleAttachNamed() {
	// 1. The creator names the arena: the file /dev/shm/NAME, mode 0600.
	name := fmt.Sprintf("shmrun-example-%d", os.Getpid())
	a, err := arena.Create(1<<20, &arena.Options{Name: name})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := a.Alloc("greeting", 64, arena.KindBytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	copy(r.Bytes(), "hello")

	// 2. Another process of the same user attaches by name.
	b, err := arena.AttachNamed(name)
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := b.Region("greeting")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(g.Bytes()[:5]))
	b.Close()

	// 3. The creator's Close removes the name.
	a.Close()
	_, err = arena.AttachNamed(name)
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// hello
	// true
}
