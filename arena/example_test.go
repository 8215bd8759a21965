package arena_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/edsrzf/mmap-go"
	"golang.org/x/sys/unix"

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

// ExampleArena_Repair shows a master undoing a worker's damage to the arena
// header before it starts a replacement worker.
func ExampleArena_Repair() {
	// 1. The master creates the arena and lays it out.
	a, err := arena.Create(1<<20, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	if _, err := a.Alloc("ring", 4096, arena.KindBytes); err != nil {
		fmt.Println(err)
		return
	}

	// 2. A worker with a stray write scribbles over the header, then dies.
	m, err := mmap.Map(a.File(), mmap.RDWR, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	copy(m, "garbage")
	m.Unmap()

	// 3. Before starting its replacement, the master repairs the header
	// and directory from its private copy.
	fixed, err := a.Repair()
	fmt.Println("repaired:", fixed, err)

	// 4. The replacement attaches (here through a second descriptor of
	// the same file) and finds the region.
	fd, err := unix.Dup(int(a.File().Fd()))
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := arena.Attach(os.NewFile(uintptr(fd), "arena"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.Close()
	r, err := w.Region("ring")
	fmt.Println(r.Len(), err)
	// Output:
	// repaired: true <nil>
	// 4096 <nil>
}
