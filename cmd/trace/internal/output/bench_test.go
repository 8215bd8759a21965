package output_test

import (
	"image"
	"image/png"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/frametest"
	"github.com/shmrun/shmrun/cmd/trace/internal/output"
)

// The benchmarks use 640x360, the default trace size. SetBytes counts the
// RGBA input, so MB/s compares across formats; ns/op is the time per frame.
const benchW, benchH = 640, 360

// BenchmarkY4M measures the whole WriteFrame (conversion and the write to
// io.Discard) against a straightforward float conversion, the baseline.
func BenchmarkY4M(b *testing.B) {
	img := frametest.New(benchW, benchH, 0)
	for _, tc := range []struct {
		name string
		c    output.Chroma
	}{{"420", output.Chroma420}, {"444", output.Chroma444}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := output.NewY4M(io.Discard, "discard", benchW, benchH, 60, tc.c)
			require.NoError(b, err)
			b.SetBytes(int64(len(img.Pix)))
			b.ReportAllocs()
			for n := 0; b.Loop(); n++ {
				if err := s.WriteFrame(img, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("444-float-reference", func(b *testing.B) {
		planes := make([]byte, 3*benchW*benchH)
		b.SetBytes(int64(len(img.Pix)))
		for b.Loop() {
			floatConvert(planes, img)
		}
	})
}

// floatConvert is the obvious per-pixel float64 conversion.
func floatConvert(dst []byte, img *image.RGBA) {
	n := benchW * benchH
	for i := range n {
		r, g, b := float64(img.Pix[4*i]), float64(img.Pix[4*i+1]), float64(img.Pix[4*i+2])
		y, cb, cr := refYCbCr(r, g, b)
		dst[i], dst[n+i], dst[2*n+i] = uint8(y+0.5), uint8(cb+0.5), uint8(cr+0.5)
	}
}

// BenchmarkPNG measures the PNG sink writing a numbered sequence
// (BestSpeed) and a single file (default level) to the temporary directory,
// against png.Encode with its defaults into io.Discard.
func BenchmarkPNG(b *testing.B) {
	img := frametest.New(benchW, benchH, 0)
	for _, tc := range []struct {
		name   string
		frames int
	}{{"sequence-BestSpeed", 1000}, {"single-Default", 1}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := output.NewPNG(filepath.Join(b.TempDir(), "b.png"), benchW, benchH, tc.frames)
			require.NoError(b, err)
			b.SetBytes(int64(len(img.Pix)))
			b.ReportAllocs()
			for n := 0; b.Loop(); n++ {
				if err := s.WriteFrame(img, n%tc.frames); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("png.Encode-reference", func(b *testing.B) {
		b.SetBytes(int64(len(img.Pix)))
		b.ReportAllocs()
		for b.Loop() {
			if err := png.Encode(io.Discard, img); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGIF measures the GIF sink: quantization, LZW and the file write.
func BenchmarkGIF(b *testing.B) {
	img := frametest.New(benchW, benchH, 0)
	s, err := output.NewGIF(filepath.Join(b.TempDir(), "b.gif"), benchW, benchH, 30)
	require.NoError(b, err)
	defer s.Close()
	b.SetBytes(int64(len(img.Pix)))
	b.ReportAllocs()
	for n := 0; b.Loop(); n++ {
		if err := s.WriteFrame(img, n); err != nil {
			b.Fatal(err)
		}
	}
}
