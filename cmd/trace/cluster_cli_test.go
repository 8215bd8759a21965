package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClusterFlagsAreChecked(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-join", "nats://127.0.0.1:1", "-cluster", "127.0.0.1:1"}, "give one"},
		{[]string{"-cluster", "127.0.0.1:1", "-nats", "nats://127.0.0.1:1"}, "give one"},
		{[]string{"-hosts", "2"}, "-hosts needs -cluster or -nats"},
		{[]string{"-rejoin"}, "-rejoin needs -join"},
		{[]string{"-cluster", "127.0.0.1:1", "-hosts", "-1"}, "-hosts -1"},
		{[]string{"-cluster", "127.0.0.1:1", "-host-wait", "0s"}, "-host-wait 0s"},
		{[]string{"-join", "nats://127.0.0.1:1", "-scene", "cornell"}, "-scene does not apply with -join"},
		{[]string{"-join", "nats://192.0.2.1:4222"}, "a token is needed beyond 127.0.0.1"},
		{[]string{"-join", "4222"}, "bad master address"},
		{[]string{"-cluster", "0.0.0.0:0", "-o", "none"}, "a token is needed beyond 127.0.0.1"},
		{[]string{"nats", "-listen", "0.0.0.0:0"}, "a token is needed beyond 127.0.0.1"},
		{[]string{"nats", "extra"}, `unexpected argument "extra"`},
	} {
		t.Setenv("SHMRUN_TOKEN", "")
		code, stderr := trace(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}
}

func TestTokenNeverShownInHelp(t *testing.T) {
	t.Setenv("SHMRUN_TOKEN", "do-not-print-me")
	var out, errOut bytes.Buffer
	assert.Equal(t, 0, run([]string{"-h"}, &out, &errOut))
	assert.NotContains(t, out.String()+errOut.String(), "do-not-print-me")
}

// TestHostWaitHelpNamesADuration checks that -h shows -host-wait's value
// as a duration: the flag package takes the back-quoted word of a usage
// for the value's name, and it had shown "-host-wait long".
func TestHostWaitHelpNamesADuration(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-h"}, &out, &errOut))
	help := out.String() + errOut.String()
	assert.Contains(t, help, "-host-wait DURATION")
	assert.NotContains(t, help, "-host-wait long")
}

// TestNATSMistypesAreOneLine checks that trace nats answers a mistyped
// flag as trace does, with one line naming the flag it most likely meant
// (it had printed the flag package's error and the whole usage), and that
// a mistyped nats gets trace nats.
func TestNATSMistypesAreOneLine(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nats", "-listn", "127.0.0.1:0"}, "trace nats: flag provided but not defined: -listn: did you mean -listen? (trace nats -h lists the flags)"},
		{[]string{"nat"}, `trace: unexpected argument "nat": did you mean trace nats?`},
	} {
		code, stderr := trace(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, stderr)
		assert.Equal(t, c.want, strings.TrimSpace(stderr), "%v", c.args)
	}
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"nats", "-h"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "-listen HOST:PORT", "-h still lists the flags")
}
