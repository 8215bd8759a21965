package wire_test

import (
	"fmt"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// Example encodes a task with two items and decodes it as a worker would.
func Example() {
	var args []byte
	args = wire.AppendItem(args, []byte("a"))
	args = wire.AppendItem(args, []byte("bc"))
	buf := wire.NewEncoder().Task(wire.TaskMsg{ID: 1, Kernel: 42, Attempt: 1, Items: 2, Args: args})

	var m wire.Msg
	if err := wire.Decode(buf, &m); err != nil {
		fmt.Println(err)
		return
	}
	rest := m.Task.Args
	for range m.Task.Items {
		var item []byte
		item, rest, _ = wire.NextItem(rest)
		fmt.Printf("%s ", item)
	}
	fmt.Println(m.Type, m.Task.Kernel)
	// Output: a bc Task 42
}
