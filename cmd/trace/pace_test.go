package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPacerUnpacedIsNil(t *testing.T) {
	p := newPacer(0, time.Now())
	assert.Nil(t, p)
	assert.Zero(t, p.missed())
}

func TestPacerReleasesAndDeadlines(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := newPacer(50, t0) // 20 ms periods
	require.NotNil(t, p)
	assert.Equal(t, t0, p.release(0))
	assert.Equal(t, t0.Add(60*time.Millisecond), p.release(3))
	assert.Equal(t, t0.Add(100*time.Millisecond), p.due(3), "due lag periods after release")

	// On time (even exactly at the deadline): shown at the deadline.
	assert.Equal(t, p.due(0), p.finish(0, t0.Add(5*time.Millisecond)))
	assert.Equal(t, p.due(1), p.finish(1, p.due(1)))
	assert.Zero(t, p.missed())
}

func TestPacerSlipsAfterAMiss(t *testing.T) {
	t0 := time.Unix(1000, 0)
	p := newPacer(50, t0)
	due2 := p.due(2) // t0 + 80 ms
	late := due2.Add(25 * time.Millisecond)
	assert.Equal(t, late, p.finish(2, late), "a late frame is shown when it is done")
	assert.Equal(t, 1, p.missed())
	// The schedule slipped by two whole periods (25 ms late, 20 ms periods),
	// so the next frame is due a full period after the late one's deadline
	// plus the slip, and after the late frame was shown.
	assert.Equal(t, due2.Add(60*time.Millisecond), p.due(3))
	assert.True(t, p.due(3).Sub(late) >= 20*time.Millisecond)
	assert.Equal(t, t0.Add(40*time.Millisecond+4*20*time.Millisecond), p.release(4))
	// Frame 3 finishing before its new deadline is not a miss.
	assert.Equal(t, p.due(3), p.finish(3, late.Add(time.Millisecond)))
	assert.Equal(t, 1, p.missed())
}

func TestSleepUntil(t *testing.T) {
	ctx := context.Background()
	assert.True(t, sleepUntil(ctx, time.Now().Add(-time.Second)), "a past time is reached at once")
	start := time.Now()
	require.True(t, sleepUntil(ctx, start.Add(20*time.Millisecond)))
	assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)

	ctx, cancel := context.WithCancel(ctx)
	cancel()
	start = time.Now()
	assert.False(t, sleepUntil(ctx, start.Add(time.Hour)), "cancelled")
	assert.Less(t, time.Since(start), time.Minute)
	assert.False(t, sleepUntil(ctx, start.Add(-time.Second)), "cancelled, even for a past time")
}

func TestPacedTilesGrowWithThePixelStep(t *testing.T) {
	s := &session{cfg: config{w: 640, h: 360, tile: 64, workers: 2}}
	for step, want := range map[int]int{1: 64, 2: 128, 3: 192, 4: 192, 16: 192} {
		assert.Equal(t, want, s.tileSide(step), "step %d", step)
	}
	s.cfg.workers = 64
	assert.Equal(t, 64, s.tileSide(8), "never below -tile")
	for _, side := range []int{64, 128, 192} {
		area := 0
		for _, j := range s.tiles(&frame{tile: side}) {
			area += int((j.X1 - j.X0) * (j.Y1 - j.Y0))
		}
		assert.Equal(t, 640*360, area, "tiles of %d cover the frame once", side)
	}
}
