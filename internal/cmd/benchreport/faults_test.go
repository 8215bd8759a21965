package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFaultResultParsePass(t *testing.T) {
	r := faultResult{faultTest: faultTest{test: "TestChaosMap"}}
	r.parse([]byte(`=== RUN   TestChaosMap
    chaos_test.go:124: chaos map: 10000 items, 11 SIGKILLs, 9 SIGSTOPs, 20 deaths seen, 42 tasks re-run
--- PASS: TestChaosMap (6.86s)
PASS
`))
	assert.Equal(t, "PASS", r.status)
	assert.Equal(t, "6.86s", r.took)
	assert.Equal(t, []string{"chaos map: 10000 items, 11 SIGKILLs, 9 SIGSTOPs, 20 deaths seen, 42 tasks re-run"}, r.logs)
}

func TestFaultResultParseDropsAnIndentedBlock(t *testing.T) {
	r := faultResult{faultTest: faultTest{test: "TestChaosMap"}}
	r.parse([]byte(`=== RUN   TestChaosMap
    chaos_test.go:78: chaos map: 10000 items in 5.1s, 12 SIGKILLs, 20 deaths seen; supervision log:
        worker 1 died: killed
        worker 2 died: stopped
--- PASS: TestChaosMap (6.86s)
`))
	assert.Equal(t, []string{"chaos map: 10000 items in 5.1s, 12 SIGKILLs, 20 deaths seen"}, r.logs)
}

func TestFaultResultParseFail(t *testing.T) {
	r := faultResult{faultTest: faultTest{test: "TestChaosMap"}, status: "missing"}
	r.parse([]byte(`=== RUN   TestChaosMap
    chaos_test.go:124: chaos map: 10000 items, 13 SIGKILLs, 7 SIGSTOPs, 22 deaths seen, 45 tasks re-run
    chaos_test.go:128:
        	Error Trace:	/work/main/runtime/chaos_test.go:128
        	Error:      	Not equal:
        	            	expected: 0x14
        	Test:       	TestChaosMap
        	Messages:   	every fault killed one process, noticed
--- FAIL: TestChaosMap (9.27s)
FAIL
`))
	assert.Equal(t, "FAIL", r.status)
	assert.Equal(t, "9.27s", r.took)
	assert.Equal(t, []string{
		"chaos map: 10000 items, 13 SIGKILLs, 7 SIGSTOPs, 22 deaths seen, 45 tasks re-run",
		"Error: Not equal:",
		"Messages: every fault killed one process, noticed",
	}, r.logs)
}

func TestFaultResultParseNoSuchTest(t *testing.T) {
	r := faultResult{faultTest: faultTest{test: "TestGone"}, status: "missing"}
	r.parse([]byte("testing: warning: no tests to run\nPASS\n--- PASS: TestOther (0.01s)\n"))
	assert.Equal(t, "missing", r.status, "another test's line is not this one's")
	assert.Empty(t, r.logs)
}

func TestRunFaultTestsWithoutBinaries(t *testing.T) {
	b := &builds{bins: map[string]string{}, errs: map[string]error{"./runtime": errMissing, "./cmd/trace": errMissing, "./cluster": errMissing}}
	rs := runFaultTests(t.Context(), t.TempDir(), b, 0, discardLog{})
	assert.Len(t, rs, len(faultTests))
	for _, r := range rs {
		assert.Equal(t, "missing", r.status, r.test)
		assert.ErrorIs(t, r.err, errMissing)
	}
}

type discardLog struct{}

func (discardLog) Write(b []byte) (int, error) { return len(b), nil }
