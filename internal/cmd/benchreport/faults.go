package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// faultResult is what one fault-isolation test showed.
type faultResult struct {
	faultTest
	// status is "PASS", "FAIL" or "missing".
	status string
	// took is the test's own duration as it reported it ("6.86s").
	took string
	// logs are its t.Log lines and, when it failed, the assertion's
	// error and message lines.
	logs []string
	err  error
}

var (
	testEnd  = regexp.MustCompile(`^--- (PASS|FAIL|SKIP): (\S+) \(([^)]*)\)`)
	testLog  = regexp.MustCompile(`^\s+\S+_test\.go:\d+: (.+)$`)
	failLine = regexp.MustCompile(`^\s+(Error|Messages):\s+(.+)$`)
)

// runFaultTests runs each fault test once, in its -short form.
func runFaultTests(ctx context.Context, root string, b *builds, timeout time.Duration, log io.Writer) []faultResult {
	var out []faultResult
	for _, ft := range faultTests {
		res := faultResult{faultTest: ft, status: "missing"}
		bin, ok := b.bins[ft.pkg]
		if !ok {
			res.err = b.errs[ft.pkg]
			out = append(out, res)
			continue
		}
		stdout, err := runTest(ctx, bin, filepath.Join(root, ft.pkg), timeout,
			"-test.run", "^"+ft.test+"$", "-test.short", "-test.v", "-test.count", "1", "-test.timeout", timeout.String())
		res.parse(stdout)
		if err != nil && res.status != "FAIL" {
			res.err = err // killed, or failed outside the test
		}
		fmt.Fprintf(log, "fault test %-36s %s %s\n", ft.test, res.status, res.took)
		out = append(out, res)
	}
	return out
}

// parse reads the -test.v output of a run of one test.
func (r *faultResult) parse(out []byte) {
	for l := range strings.Lines(string(out)) {
		l = strings.TrimRight(l, "\r\n")
		if m := testEnd.FindStringSubmatch(l); m != nil && m[2] == r.test {
			r.status, r.took = m[1], m[3]
		} else if m := testLog.FindStringSubmatch(l); m != nil {
			r.logs = append(r.logs, logLine(m[1]))
		} else if m := failLine.FindStringSubmatch(l); m != nil {
			r.logs = append(r.logs, m[1]+": "+strings.TrimSpace(m[2]))
		}
	}
}

// logLine trims a log line. A line that ends in ':' introduces an indented
// block the report leaves out, so its last clause (after "; "), which
// announces the block, goes too.
func logLine(msg string) string {
	msg = strings.TrimSpace(msg)
	if strings.HasSuffix(msg, ":") {
		if i := strings.LastIndex(msg, "; "); i > 0 {
			msg = msg[:i]
		}
	}
	return msg
}
