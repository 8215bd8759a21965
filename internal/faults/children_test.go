package faults

import (
	"os"
	"os/exec"
	"testing"
	"time"

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

func TestAgeGrowsWithTheProcess(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	young, ok := Age(cmd.Process.Pid)
	require.True(t, ok)
	assert.Less(t, young, 2*time.Second, "just started")
	time.Sleep(300 * time.Millisecond)
	old, ok := Age(cmd.Process.Pid)
	require.True(t, ok)
	assert.GreaterOrEqual(t, old-young, 250*time.Millisecond, "it aged by the sleep, to /proc's 10 ms")
	self, ok := Age(os.Getpid())
	require.True(t, ok)
	assert.Greater(t, self, old, "the test started before its child")
	_, ok = Age(1 << 30)
	assert.False(t, ok, "no such process")
}
