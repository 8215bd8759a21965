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
