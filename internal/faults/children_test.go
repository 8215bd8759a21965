package faults

import (
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChildrenListsALiveChildNotAReapedOne(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	require.NoError(t, cmd.Start())
	assert.Contains(t, Children(os.Getpid()), cmd.Process.Pid)
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	assert.NotContains(t, Children(os.Getpid()), cmd.Process.Pid)
	assert.Empty(t, Children(cmd.Process.Pid), "a process that is gone has no children")
}
