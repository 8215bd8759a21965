package output_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string][2]int{
		"640x360": {640, 360}, " 1920X1080 ": {1920, 1080}, "1x1": {1, 1},
		"16384x4096": {16384, 4096}, "0640x0360": {640, 360},
	} {
		w, h, err := output.ParseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, [2]int{w, h}, in)
	}
	for _, in := range []string{
		"", "640", "x360", "640x", "0x360", "640x0", "-640x360", "640x-360", "+640x360",
		"16385x1", "1x16385", "16384x16384", "99999999999999999999x1", "640x360x2",
		"640 x 360", "0x10", "6.4x3", "６４０x360",
	} {
		_, _, err := output.ParseSize(in)
		assert.ErrorIs(t, err, output.ErrSize, "%q", in)
	}
	_, _, err := output.ParseSize("640x36O")
	assert.ErrorContains(t, err, `side "36O"`, "quotes the side as typed")
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"640x360", "0x0", "16384x4096", "-1x-1", "1x99999999999999999999", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, h, err := output.ParseSize(s)
		if err != nil {
			assert.ErrorIs(t, err, output.ErrSize)
			return
		}
		assert.True(t, w >= 1 && h >= 1 && w <= output.MaxSide && h <= output.MaxSide && w*h <= output.MaxPixels)
		w2, h2, err := output.ParseSize(fmt.Sprintf("%dx%d", w, h))
		assert.NoError(t, err)
		assert.Equal(t, [2]int{w, h}, [2]int{w2, h2}, "round trip")
	})
}

func ExampleParseSize() {
	w, h, err := output.ParseSize("640x360")
	fmt.Println(w, h, err)
	_, _, err = output.ParseSize("20000x10")
	fmt.Println(err)
	// Output:
	// 640 360 <nil>
	// bad size "20000x10": side 20000 is over 16384
}
