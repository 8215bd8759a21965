package tty_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/tty"
)

func TestNotATerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "plain")
	require.NoError(t, err)
	defer f.Close()

	assert.False(t, tty.IsTerminal(f.Fd()))
	_, _, err = tty.Size(f.Fd())
	assert.Error(t, err)
	cols, rows := tty.SizeOr(f.Fd())
	assert.Equal(t, tty.FallbackCols, cols)
	assert.Equal(t, tty.FallbackRows, rows)
}

func ExampleSizeOr() {
	f, err := os.CreateTemp("", "not-a-tty")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()

	cols, rows := tty.SizeOr(f.Fd())
	fmt.Println(tty.IsTerminal(f.Fd()), cols, rows)
	// Output: false 80 24
}
