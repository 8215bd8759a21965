package scenes_test

import (
	"fmt"
	"io/fs"

	"github.com/shmrun/shmrun/scenes"
)

// The embedded files are at the root of the file system.
func ExampleFS() {
	names, _ := fs.Glob(scenes.FS(), "*")
	for _, n := range names {
		fmt.Println(n)
	}
	// Output:
	// cornell.json
	// cornell_block.obj
	// default.json
	// spheres.json
	// terrain.json
}
