package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// errMissing marks a suite or test that could not run at all: its package
// does not build or has no tests.
var errMissing = errors.New("missing")

// builds holds one test binary per package, built once for every round.
type builds struct {
	bins map[string]string // package -> binary
	errs map[string]error  // package -> why it has no binary
}

// build compiles the test binary of each package into dir, as make test
// does, with the fault-injection hooks (the shmrun_faults tag: the chaos
// tests need them; a worker whose environment does not ask for faults runs
// as a plain build's does). A package that does not build is recorded, not
// fatal.
func build(ctx context.Context, root, dir string, pkgs []string, log io.Writer) *builds {
	b := &builds{bins: map[string]string{}, errs: map[string]error{}}
	for _, pkg := range pkgs {
		if _, ok := b.bins[pkg]; ok || b.errs[pkg] != nil {
			continue
		}
		start := time.Now()
		bin := filepath.Join(dir, strings.NewReplacer("/", "_", ".", "_").Replace(pkg)+".test")
		cmd := exec.CommandContext(ctx, goTool(), "test", "-c", "-tags", "shmrun_faults", "-o", bin, pkg)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		switch {
		case err != nil:
			b.errs[pkg] = fmt.Errorf("%w: go test -c %s: %v: %s", errMissing, pkg, err, tail(out, 5))
		case !exists(bin):
			b.errs[pkg] = fmt.Errorf("%w: %s has no tests", errMissing, pkg)
		default:
			b.bins[pkg] = bin
		}
		fmt.Fprintf(log, "build %-40s %5.1fs %s\n", pkg, time.Since(start).Seconds(), errText(b.errs[pkg]))
	}
	return b
}

// goTool is the go command: $GOROOT/bin/go of the toolchain running us when
// it exists (go run sets GOROOT for us), else go from $PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); exists(p) {
			return p
		}
	}
	return "go"
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// runTest runs a test binary in its package's directory, as go test does,
// and returns its standard output. The binary and every process it started
// are killed after timeout. The error, if any, carries the last lines of
// standard error, or of standard output when standard error is empty.
func runTest(ctx context.Context, bin, dir string, timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &stdout, &stderr
	ownProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil {
		why := stderr.Bytes()
		if len(bytes.TrimSpace(why)) == 0 {
			why = stdout.Bytes()
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("killed after %v: %w", timeout, err)
		}
		err = fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), strings.Join(args, " "), err, tail(why, 8))
	}
	return stdout.Bytes(), err
}

// tail returns the last n non-empty lines of b, joined by " | ".
func tail(b []byte, n int) string {
	var lines []string
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}
