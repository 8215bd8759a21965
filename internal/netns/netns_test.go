package netns_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/internal/netns"
)

func TestLabMakesAndRemovesEverything(t *testing.T) {
	if err := netns.Available(); err != nil {
		t.Skip(err)
	}
	l, err := netns.New("t", 2)
	require.NoError(t, err)
	for i := range 2 {
		_, err := os.Stat("/run/netns/" + l.NS(i))
		assert.NoError(t, err)
		_, err = os.Stat("/sys/class/net/" + l.Link(i))
		assert.NoError(t, err)
	}
	out, err := l.Command(0, "ip", "-br", "addr").CombinedOutput()
	require.NoError(t, err)
	assert.Contains(t, string(out), l.HostIP(0))
	require.NoError(t, l.Limit(1, "100mbit"))
	require.NoError(t, l.Cut(1))
	require.NoError(t, l.Close())
	require.NoError(t, l.Close())
	assert.Empty(t, netns.Leftovers("t"))
}

// A lab of one host: run a command in its namespace, then remove it.
func Example() {
	if netns.Available() != nil {
		return // not root: a test skips
	}
	lab, err := netns.New("x", 1)
	if err != nil {
		panic(err)
	}
	defer lab.Close()
	out, _ := lab.Command(0, "ip", "-br", "addr").CombinedOutput()
	fmt.Printf("%s reaches the test's namespace at %s:\n%s", lab.NS(0), lab.MasterIP(0), out)
}
