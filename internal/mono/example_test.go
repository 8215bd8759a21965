package mono_test

import (
	"fmt"
	"time"

	"github.com/shmrun/shmrun/internal/mono"
)

// Example measures an interval in the clock other processes read too.
func Example() {
	t0 := mono.Now()
	time.Sleep(time.Millisecond)
	fmt.Println(time.Duration(mono.Now()-t0) >= time.Millisecond)
	// Output: true
}
