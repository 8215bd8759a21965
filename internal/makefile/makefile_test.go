package makefile_test

import (
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMissingToolSaysHowToInstallIt runs the targets that need a tool
// beyond Go with that tool pointed at a path where it is not: each must
// fail with a line that says how to install it, not with the shell's
// "No such file or directory".
func TestMissingToolSaysHowToInstallIt(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	cases := []struct{ target, setting, want string }{
		{"staticcheck", "STATICCHECK=/nonexistent/staticcheck", "go install honnef.co/go/tools/cmd/staticcheck@latest"},
		{"generate-check", "FLATC=/nonexistent/flatc", "apt-get install flatbuffers-compiler"},
		{"generate", "FLATC=/nonexistent/flatc", "apt-get install flatbuffers-compiler"},
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			out, err := exec.Command(mk, "-s", "-C", "../..", c.target, c.setting).CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "%s", out)
			assert.Contains(t, string(out), c.want)
			assert.Contains(t, string(out), "missing (/nonexistent/", "names the path it looked at")
			assert.NotContains(t, string(out), "No such file or directory")
		})
	}
}

// TestKernelABNamesAMissingBaseCommit runs make kernel-ab against a commit
// the clone does not have: it must say so in one line before it builds
// anything.
func TestKernelABNamesAMissingBaseCommit(t *testing.T) {
	mk, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	out, err := exec.Command(mk, "-s", "-C", "../..", "kernel-ab", "KERNEL_BASE=0000000").CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "%s", out)
	assert.Contains(t, string(out), "kernel-ab: commit 0000000 is not in this clone")
}
