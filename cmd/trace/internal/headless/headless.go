// Package headless loads a page in headless Chromium for the tests of the
// trace CLI's HTTP view, and returns what Chromium made of it: a screenshot
// or the DOM after the page's scripts ran. The product does not use it.
//
// # Basics
//
// [Find] locates Chromium (Debian's chromium package; $CHROMIUM names
// another); a test skips, saying why, when it returns [ErrNotInstalled].
// [Screenshot] and [DumpDOM] run one Chromium each, with a profile of its
// own in a temporary directory, so that tests may run them concurrently.
// [Locate] finds a frame's pixels in a screenshot.
//
// # Caveats
//
// Chromium takes the screenshot or dumps the DOM once the page has loaded
// (for an MJPEG image, once its first part is shown), which may be before
// a script's fetch has come back; a page that keeps loading is stopped
// after [Settle]. A screenshot is taken at a device scale factor of 1, so a
// frame shown at its size covers as many pixels of the screenshot as it
// has.
package headless

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ErrNotInstalled is returned by Find when no Chromium is installed.
var ErrNotInstalled = errors.New("headless: Chromium is not installed (apt-get install chromium)")

// Settle is the longest Chromium lets a page load, in ms: it takes the
// screenshot or dumps the DOM when the page has loaded, or after Settle,
// when it stops the loading (an image that never ends, a machine so
// loaded that the page is that slow).
const Settle = 10000

// Find returns the path of the Chromium to use: $CHROMIUM if set, else
// chromium or chromium-browser on $PATH. It returns ErrNotInstalled when
// there is none.
func Find() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// flags are the switches of every run: headless, no sandbox (tests run as
// root in CI), and nothing that reaches the network or starts background
// work.
var flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars", "--force-device-scale-factor=1", "--timeout=" + strconv.Itoa(Settle),
}

// Screenshot loads url in a w x h window of Chromium bin and returns the
// screenshot it takes. It fails with Chromium's output when Chromium fails
// or writes no screenshot, and when ctx ends first.
func Screenshot(ctx context.Context, bin, url string, w, h int) (image.Image, error) {
	dir, err := os.MkdirTemp("", "headless-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	shot := filepath.Join(dir, "shot.png")
	if _, err := run(ctx, bin, dir, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", w, h), url); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(shot)
	if err != nil {
		return nil, fmt.Errorf("headless: no screenshot: %w", err)
	}
	return png.Decode(bytes.NewReader(b))
}

// DumpDOM loads url in Chromium bin and returns the page's DOM as HTML,
// as its scripts left it.
func DumpDOM(ctx context.Context, bin, url string) (string, error) {
	dir, err := os.MkdirTemp("", "headless-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	return run(ctx, bin, dir, "--dump-dom", url)
}

// run runs Chromium with a profile in dir and returns its stdout. Chromium
// runs in a process group of its own, all killed if ctx ends first.
func run(ctx context.Context, bin, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, append(append(flags, "--user-data-dir="+filepath.Join(dir, "profile")), args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second // a child left holding stdout does not hold us
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("headless: %s: %w\n%s", filepath.Base(bin), err, lastLines(stderr.Bytes(), 20))
	}
	return stdout.String(), nil
}

// lastLines returns the last n lines of b.
func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	return bytes.Join(lines[max(0, len(lines)-n):], []byte("\n"))
}

// Locate returns where want appears in shot: the first offset (in rows,
// then columns) at which the mean absolute difference of their colour
// channels is at most tol, 0 for the very same pixels. Offsets are tried
// only where want's top-left pixel matches within 4*tol+8 per channel.
func Locate(shot image.Image, want *image.RGBA, tol float64) (at image.Point, ok bool) {
	b := shot.Bounds()
	w, h := want.Rect.Dx(), want.Rect.Dy()
	limit := tol * float64(3*w*h)
	corner := want.RGBAAt(want.Rect.Min.X, want.Rect.Min.Y)
	for y := b.Min.Y; y+h <= b.Max.Y; y++ {
		for x := b.Min.X; x+w <= b.Max.X; x++ {
			if float64(diff(shot, x, y, corner)) > 3*(4*tol+8) || !near(shot, want, x, y, limit) {
				continue
			}
			return image.Pt(x-b.Min.X, y-b.Min.Y), true
		}
	}
	return image.Point{}, false
}

// near reports whether want, placed at x, y of shot, differs from it by at
// most limit in all (the sum of the channels' absolute differences).
func near(shot image.Image, want *image.RGBA, x, y int, limit float64) bool {
	sum := 0.0
	for j := range want.Rect.Dy() {
		for i := range want.Rect.Dx() {
			sum += float64(diff(shot, x+i, y+j, want.RGBAAt(want.Rect.Min.X+i, want.Rect.Min.Y+j)))
			if sum > limit {
				return false
			}
		}
	}
	return true
}

// diff is the sum of the absolute differences of the colour channels of
// shot's pixel x, y and c, 8 bits each.
func diff(shot image.Image, x, y int, c interface{ RGBA() (r, g, b, a uint32) }) int {
	r0, g0, b0, _ := shot.At(x, y).RGBA()
	r1, g1, b1, _ := c.RGBA()
	return abs(int(r0>>8)-int(r1>>8)) + abs(int(g0>>8)-int(g1>>8)) + abs(int(b0>>8)-int(b1>>8))
}

func abs(v int) int { return max(v, -v) }
