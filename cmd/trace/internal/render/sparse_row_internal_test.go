package render

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestClampLanesIsClampChannels checks the lane clamp of the sparse fill
// against clampChannels on random pixels, channels near 0 and 255 often.
func TestClampLanesIsClampChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ch := func() uint8 {
		switch r.IntN(4) {
		case 0:
			return uint8(r.IntN(40))
		case 1:
			return uint8(255 - r.IntN(40))
		}
		return uint8(r.IntN(256))
	}
	px := func() uint32 { return Pixel(ch(), ch(), ch()) }
	for range 200000 {
		p, a, b, c, d := px(), px(), px(), px(), px()
		lo := minChannels(minChannels(a, b), minChannels(c, d))
		hi := maxChannels(maxChannels(a, b), maxChannels(c, d))
		l, h := clampRange(a, b, c, d)
		if !assert.Equal(t, clampChannels(p, lo, hi, sparseMargin), clampLanes(p, l, h), "p %08x of %08x %08x %08x %08x", p, a, b, c, d) {
			return
		}
	}
}

// TestFetchTapIsMixFixed checks the sparse fill's lane-wise mix of the
// history along a tap's motion against mixFixed of the same four pixels
// at the same fractions, and that it refuses a motion off the history.
func TestFetchTapIsMixFixed(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const w, h = 7, 5
	hist := make([]uint32, w*h)
	for i := range hist {
		hist[i] = Pixel(uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)))
	}
	hist[0], hist[1], hist[w], hist[w+1] = Pixel(255, 255, 255), Pixel(255, 255, 255), Pixel(255, 255, 255), Pixel(255, 255, 255)
	fl := filler{dst: Target{W: w, H: h, Hist: History{Pix: hist}}}
	for range 20000 {
		d := [2]float32{float32(r.Float64()*12 - 6), float32(r.Float64()*10 - 5)}
		if r.IntN(4) == 0 {
			d[r.IntN(2)] = float32(r.IntN(9) - 4) // whole pixels
		}
		x, y := r.IntN(w), r.IntN(h)
		var tp sparseTap
		tp.ix, tp.fx, tp.gx, tp.xlim = tapAxis(d[0], w)
		tp.iy, tp.fy, tp.gy, tp.ylim = tapAxis(d[1], h)
		got, ok := fl.fetchTap(&tp, x, y)
		hx, hy := float64(x)+float64(d[0]), float64(y)+float64(d[1])
		in := hx >= 0 && hy >= 0 && hx <= w-1 && hy <= h-1
		if !assert.Equal(t, in, ok, "(%d, %d) by %v", x, y, d) || !in {
			continue
		}
		x0, y0 := int(hx), int(hy)
		x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
		want := mixFixed(hist[y0*w+x0], hist[y0*w+x1], hist[y1*w+x0], hist[y1*w+x1], fixed8(hx-float64(x0)), fixed8(hy-float64(y0)))
		if !assert.Equal(t, lanes(want), got, "(%d, %d) by %v", x, y, d) {
			return
		}
	}
}
