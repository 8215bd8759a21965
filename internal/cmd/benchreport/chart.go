package main

import (
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// chartW and chartH are the chart's size in pixels at chartDPI.
const chartW, chartH, chartDPI = 1200, 1350, 96

// writeChart draws the report's panels, three rows of two, as one PNG.
func writeChart(w io.Writer, set *compare.Set, ms []modelResult) error {
	panels := []func() (*plot.Plot, error){
		func() (*plot.Plot, error) { return ringThroughputPanel(set) },
		func() (*plot.Plot, error) { return roundTripPanel(set) },
		func() (*plot.Plot, error) { return callPanel(set) },
		func() (*plot.Plot, error) { return gcPanel(set) },
		func() (*plot.Plot, error) { return renderPanel(set) },
		func() (*plot.Plot, error) { return predictionPanel(ms) },
	}
	const cols = 2
	grid := make([][]*plot.Plot, (len(panels)+cols-1)/cols)
	for i, f := range panels {
		p, err := f()
		if err != nil {
			return fmt.Errorf("chart panel %d: %w", i+1, err)
		}
		grid[i/cols] = append(grid[i/cols], p)
	}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(chartW)*vg.Inch/chartDPI, vg.Length(chartH)*vg.Inch/chartDPI), vgimg.UseDPI(chartDPI))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(grid), Cols: cols, PadX: vg.Millimeter * 8, PadY: vg.Millimeter * 8,
		PadTop: vg.Millimeter * 4, PadBottom: vg.Millimeter * 4, PadLeft: vg.Millimeter * 4, PadRight: vg.Millimeter * 4}
	canvases := plot.Align(grid, tiles, dc)
	for i, row := range grid {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// series is one benchmark's median and interval in a panel's unit.
type series struct {
	label          string
	median, lo, hi float64
	ok             bool
}

// measure summarizes benchmark k in unit and converts it with conv, which
// must be monotonic (a decreasing one swaps the interval's ends).
func measure(set *compare.Set, label string, k compare.Key, unit string, conv func(float64) float64) series {
	s, err := set.Summary(k, unit)
	if err != nil {
		return series{label: label}
	}
	lo, hi := conv(s.Lo), conv(s.Hi)
	return series{label: label, median: conv(s.Median), lo: min(lo, hi), hi: max(lo, hi), ok: true}
}

// missingNote is " (missing: a, b)" for the series without data, or "".
func missingNote(ss []series) string {
	var miss []string
	for _, s := range ss {
		if !s.ok {
			miss = append(miss, strings.ReplaceAll(s.label, "\n", " "))
		}
	}
	if len(miss) == 0 {
		return ""
	}
	return " (missing: " + strings.Join(miss, ", ") + ")"
}

func perSecMillions(secPerOp float64) float64 { return 1e-6 / secPerOp }
func micro(sec float64) float64               { return sec * 1e6 }
func milliFromMicro(us float64) float64       { return us / 1e3 }
func same(v float64) float64                  { return v }

func ringThroughputPanel(set *compare.Set) (*plot.Plot, error) {
	return barPanel("Ring throughput, 64-byte messages, near placement", "million messages/s", []series{
		measure(set, "fixed slots\n(limit)", near("Throughput/limit-fixed-slots"), "sec/op", perSecMillions),
		measure(set, "SPSC ring\n(processes)", near("Throughput/ring-cross-process"), "sec/op", perSecMillions),
		measure(set, "MPMC queue\n(processes)", near("Throughput/mpmc-cross-process"), "sec/op", perSecMillions),
		measure(set, "Go channel\n(baseline)", near("Throughput/chan-in-process"), "sec/op", perSecMillions),
	}, false)
}

// near names a ring benchmark's runs in the near placement.
func near(name string) compare.Key { return key("ring", placed(name, "near")) }

func roundTripPanel(set *compare.Set) (*plot.Plot, error) {
	return barPanel("Round trip of 64 bytes between two processes, near placement", "µs, log scale (lower is better)", []series{
		measure(set, "atomic\nlimit", near("RoundTrip/atomic-limit"), "sec/op", micro),
		measure(set, "atomic\n2 lines", near("RoundTrip/atomic-2lines"), "sec/op", micro),
		measure(set, "seq slots\nlimit", near("RoundTrip/limit-seq-slots"), "sec/op", micro),
		measure(set, "ring\nspin", near("RoundTrip/ring-spin"), "sec/op", micro),
		measure(set, "ring\nfutex", near("RoundTrip/ring-futex"), "sec/op", micro),
		measure(set, "unix socket\n(baseline)", near("RoundTrip/unix-socket"), "sec/op", micro),
	}, true)
}

func callPanel(set *compare.Set) (*plot.Plot, error) {
	return barPanel("Call to an object in another process", "µs per call (lower is better)", []series{
		measure(set, "proxy", key("proxy", "Call/proxy"), "sec/op", micro),
		measure(set, "net/rpc, unix socket\n(baseline)", key("proxy", "Call/net-rpc-unix"), "sec/op", micro),
	}, true)
}

func gcPanel(set *compare.Set) (*plot.Plot, error) {
	return barPanel("Master's wake-up lateness while kernels churn garbage", "ms (lower is better)", []series{
		measure(set, "p99\nprocesses", key("runtime", "GCIsolation/processes"), "p99-late-µs", milliFromMicro),
		measure(set, "p99\ngoroutines", key("runtime", "GCIsolation/goroutines"), "p99-late-µs", milliFromMicro),
		measure(set, "max\nprocesses", key("runtime", "GCIsolation/processes"), "max-late-µs", milliFromMicro),
		measure(set, "max\ngoroutines", key("runtime", "GCIsolation/goroutines"), "max-late-µs", milliFromMicro),
	}, false)
}
