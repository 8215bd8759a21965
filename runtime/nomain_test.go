package runtime_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A program that forgets runtime.Main would make every worker start a pool
// of its own, and each of its workers another. Start fails at once in a
// worker instead, and the master's error names the likely cause: a
// program (testdata/nomain) and a test binary without TestMain
// (testdata/nomaintest) alike.
func TestForgottenMain(t *testing.T) {
	dir := t.TempDir()
	prog, testBin := filepath.Join(dir, "nomain"), filepath.Join(dir, "nomaintest")
	build := func(args ...string) {
		out, err := exec.Command("go", args...).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	build("build", "-o", prog, "./testdata/nomain")
	build("test", "-c", "-o", testBin, "./testdata/nomaintest")
	for _, c := range []struct {
		name string
		cmd  []string
	}{
		{"main", []string{prog}},
		{"test binary", []string{testBin, "-test.run", "TestStart", "-test.v"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			start := time.Now()
			out, err := exec.CommandContext(ctx, c.cmd[0], c.cmd[1:]...).CombinedOutput()
			took := time.Since(start)
			require.Error(t, err, "%s", out)
			require.NoError(t, ctx.Err(), "it ended on its own: %s", out)
			t.Logf("failed after %v:\n%s", took.Round(time.Millisecond), out)
			assert.Contains(t, string(out), "before its hello", "the master learnt of its workers' deaths")
			assert.Contains(t, string(out), "must call runtime.Main() first thing in main, and in TestMain",
				"the master's error names the likely cause")
			assert.Contains(t, string(out), "Start called in a worker process",
				"each worker's own Start failed at once, and said why")
			assert.Less(t, took, 30*time.Second, "no StartTimeout waited out, no fork bomb")
		})
	}
}
