package main

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

// errorXYs are points with vertical error bars from each series' interval.
type errorXYs struct {
	xs []float64
	ss []series
}

func (e errorXYs) Len() int                    { return len(e.ss) }
func (e errorXYs) XY(i int) (float64, float64) { return e.xs[i], e.ss[i].median }
func (e errorXYs) YError(i int) (float64, float64) {
	return e.ss[i].median - e.ss[i].lo, e.ss[i].hi - e.ss[i].median
}

// barPanel draws one bar per series with data, its interval as an error
// bar and its median written above it. With logY the medians are dots on a
// logarithmic axis instead of bars (a bar has no bottom on a log scale),
// for series that span orders of magnitude. The title names the series
// without data.
func barPanel(title, yLabel string, all []series, logY bool) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	var ss []series
	var names []string
	for _, s := range all {
		if s.ok && (!logY || s.lo > 0) {
			ss = append(ss, s)
			names = append(names, s.label)
		}
	}
	if len(ss) == 0 {
		return missingPanel(p, all)
	}
	p.Title.Text += missingNote(all)
	values := make(plotter.Values, len(ss))
	xs := make([]float64, len(ss))
	labels := plotter.XYLabels{XYs: make(plotter.XYs, len(ss)), Labels: make([]string, len(ss))}
	for i, s := range ss {
		values[i], xs[i] = s.median, float64(i)
		labels.XYs[i] = plotter.XY{X: float64(i), Y: s.hi}
		labels.Labels[i] = shortNumber(s.median)
	}
	var marks plot.Plotter
	if logY {
		dots, err := plotter.NewScatter(errorXYs{xs, ss})
		if err != nil {
			return nil, err
		}
		dots.Color, dots.Radius = plotutil.Color(0), vg.Points(4)
		marks = dots
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	} else {
		bars, err := plotter.NewBarChart(values, vg.Points(28))
		if err != nil {
			return nil, err
		}
		bars.Color = plotutil.Color(0)
		marks = bars
		p.Y.Min = 0
	}
	errs, err := plotter.NewYErrorBars(errorXYs{xs, ss})
	if err != nil {
		return nil, err
	}
	text, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for i := range text.TextStyle {
		text.TextStyle[i].XAlign, text.TextStyle[i].YAlign = -0.5, 0.3
	}
	p.Add(marks, errs, text)
	p.NominalX(names...)
	return p, nil
}

// missingPanel leaves p without axes, saying which series are missing.
func missingPanel(p *plot.Plot, all []series) (*plot.Plot, error) {
	var names []string
	for _, s := range all {
		names = append(names, strings.ReplaceAll(s.label, "\n", " "))
	}
	text, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: 0, Y: 0}},
		Labels: []string{"missing: no results for " + strings.Join(names, ", ")}})
	if err != nil {
		return nil, err
	}
	text.TextStyle[0].XAlign = -0.5
	p.Add(text)
	p.HideAxes()
	p.Y.Label.Text = ""
	return p, nil
}

// shortNumber formats a bar's label with three significant digits, whole
// numbers from 1000 up.
func shortNumber(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// linesPanel draws one line per group of series at xs, with error bars.
func linesPanel(p *plot.Plot, name string, i int, xs []float64, ss []series) error {
	var px []float64
	var ps []series
	for j, s := range ss {
		if s.ok {
			px, ps = append(px, xs[j]), append(ps, s)
		}
	}
	if len(ps) == 0 {
		return nil
	}
	pts := make(plotter.XYs, len(ps))
	for j := range ps {
		pts[j] = plotter.XY{X: px[j], Y: ps[j].median}
	}
	line, dots, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	line.Color, dots.Color, dots.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
	errs, err := plotter.NewYErrorBars(errorXYs{px, ps})
	if err != nil {
		return err
	}
	errs.Color = plotutil.Color(i)
	p.Add(line, dots, errs)
	p.Legend.Add(name, line, dots)
	return nil
}

func renderPanel(set *compare.Set) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Render, default scene 640x360: measured"
	p.X.Label.Text = "workers"
	p.Y.Label.Text = "frames/s (higher is better)"
	p.Y.Min = 0
	p.Legend.Top, p.Legend.Left = true, true
	var all []series
	xs := []float64{1, 2}
	for i, mode := range []string{"processes", "goroutines"} {
		var ss []series
		for _, w := range xs {
			ss = append(ss, measure(set, fmt.Sprintf("%s/%g", mode, w), key("cmd/trace", fmt.Sprintf("Render/%s/workers=%g", mode, w)), "frames/s", same))
		}
		all = append(all, ss...)
		if err := linesPanel(p, mode, i, xs, ss); err != nil {
			return nil, err
		}
	}
	p.Title.Text += missingNote(all)
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 1, Label: "1"}, {Value: 2, Label: "2"}}
	p.X.Min, p.X.Max = 0.8, 2.2
	return p, nil
}

// predictionPanel draws the model's speedups on log-log axes against the
// ideal, with the measured 2-worker speedups as points.
func predictionPanel(ms []modelResult) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "PREDICTED speedup (a model, not a measurement)"
	p.X.Label.Text = "workers"
	p.Y.Label.Text = "speedup over 1 worker process"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	var ticks plot.ConstantTicks
	ideal := make(plotter.XYs, len(modelWorkers))
	for i, n := range modelWorkers {
		ticks = append(ticks, plot.Tick{Value: float64(n), Label: strconv.Itoa(n)})
		ideal[i] = plotter.XY{X: float64(n), Y: float64(n)}
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = ticks, ticks
	p.Legend.Top, p.Legend.Left = true, true // the corner above the ideal line stays empty
	line, err := plotter.NewLine(ideal)
	if err != nil {
		return nil, err
	}
	line.Color, line.Dashes = color.Gray{Y: 128}, []vg.Length{vg.Points(4), vg.Points(4)}
	p.Add(line)
	p.Legend.Add("ideal", line)
	for i, m := range ms {
		if m.err != nil {
			p.Title.Text += ", " + m.spec.short + " missing"
			continue
		}
		pts := make(plotter.XYs, len(m.preds))
		for j, pr := range m.preds {
			pts[j] = plotter.XY{X: float64(pr.Workers), Y: pr.Speedup}
		}
		l, dots, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		l.Color, dots.Color, dots.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
		p.Add(l, dots)
		p.Legend.Add(compare.FormatRatio(m.preds[len(m.preds)-1].Speedup)+" at 64: "+m.spec.short, l, dots)
	}
	return p, nil
}
