package placement_test

import (
	"fmt"

	"github.com/shmrun/shmrun/internal/placement"
)

// Example probes the placement and names it.
func Example() {
	d, err := placement.Bounce()
	if err != nil {
		fmt.Println(err)
		return
	}
	where := placement.Of(d, d)
	fmt.Println(where == "near" || where == "far")
	// Output: true
}
