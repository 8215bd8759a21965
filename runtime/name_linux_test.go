package runtime_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

// Worker processes show under the program's name, as pgrep and killall
// find them, not as "exe" (they are started through /proc/self/exe).
func TestWorkersAreNamedAfterTheProgram(t *testing.T) {
	p := startPool(t, runtime.Options{Workers: 2})
	want := filepath.Base(os.Args[0])
	if len(want) > 15 {
		want = want[:15]
	}
	for _, w := range p.Stats().Workers {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(w.PID) + "/comm")
		require.NoError(t, err)
		assert.Equal(t, want, strings.TrimSpace(string(b)), "worker %d", w.Worker)
	}
}
