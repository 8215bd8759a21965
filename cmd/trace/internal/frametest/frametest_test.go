package frametest_test

import (
	"fmt"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
)

func TestDeterministicAndOpaque(t *testing.T) {
	a := frametest.New(64, 36, 3)
	b := frametest.New(64, 36, 3)
	assert.Equal(t, a.Pix, b.Pix)
	assert.True(t, a.Opaque())
	assert.NotEqual(t, a.Pix, frametest.New(64, 36, 4).Pix, "the ball moves")
}

func TestFillSubImage(t *testing.T) {
	big := image.NewRGBA(image.Rect(0, 0, 10, 10))
	sub := big.SubImage(image.Rect(2, 2, 5, 5)).(*image.RGBA)
	frametest.Fill(sub, 0)
	assert.Equal(t, uint8(0), big.Pix[3], "outside the sub-image untouched")
	assert.Equal(t, uint8(255), sub.Pix[3])
}

func ExampleNew() {
	img := frametest.New(4, 2, 0)
	fmt.Println(img.Bounds(), img.Opaque())
	// Output: (0,0)-(4,2) true
}
