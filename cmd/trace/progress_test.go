package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressLine(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := &progress{cols: func() int { return 80 }, frames: 4, start: t0}
	count := p.tileCounter()
	count(50, 100)
	count(100, 100)       // a frame's map reports its total so far
	p.tileCounter()(3, 3) // frames weigh the same whatever their tiles
	p.tileCounter()(0, 7)
	p.frameShown()
	p.frameShown()
	line := p.line(t0.Add(2 * time.Second))
	assert.True(t, strings.HasPrefix(line, "\r\x1b[K["), "overwrites the line: %q", line)
	assert.Contains(t, line, "[############------------]", "half the tiles")
	assert.Contains(t, line, " 50%")
	assert.Contains(t, line, "frame 2/4")
	assert.Contains(t, line, "1.0 fps")
	assert.Contains(t, line, "2s left")

	p.cols = func() int { return 30 }
	line = p.line(t0.Add(2 * time.Second))
	text := strings.TrimPrefix(line, "\r\x1b[K")
	assert.Less(t, len(text), 30, "fits a narrow terminal: %q", line)
	assert.NotContains(t, text, "[", "no room for the bar")
}

func TestProgressDrawsOnlyForLongRendersAndErasesItself(t *testing.T) {
	// The buffers are read after close, which waits for the bar's goroutine.
	var quick bytes.Buffer
	p := newProgress(&quick, func() int { return 80 }, 1, time.Now())
	time.Sleep(2 * barEvery)
	p.close()
	assert.Empty(t, quick.String(), "nothing for a render shorter than barDelay")

	var long bytes.Buffer
	p = newProgress(&long, func() int { return 80 }, 1, time.Now().Add(-barDelay))
	require.Eventually(t, p.drawn.Load, 10*time.Second, barEvery/4)
	p.close()
	assert.Contains(t, long.String(), "frame 0/1")
	assert.NotContains(t, long.String(), "fps", "no rate before a frame is shown")
	assert.True(t, strings.HasSuffix(long.String(), "\r\x1b[K"), "the bar is erased at the end")
}

func TestNoProgressBarOffATerminal(t *testing.T) {
	var buf bytes.Buffer
	assert.Nil(t, startProgress(&buf, "none", 10))
	var p *progress
	assert.Nil(t, p.tileCounter())
	p.frameShown()
	p.close()
}
