package main

import (
	"fmt"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
	"github.com/shmrun/shmrun/internal/cmd/benchreport/scaling"
)

// BenchmarkRender renders 640x360 frames in cmd/trace's default 64-pixel
// tiles, one task per tile, and writes each frame's RGBA framebuffer once.
const renderW, renderH, renderTile = 640, 360, 64

// modelWorkers are the worker counts the model predicts; 16 and 64 are the
// ones the issue asks about.
var modelWorkers = []int{1, 2, 4, 8, 16, 32, 64}

// bandwidthKey is the memory bandwidth with every core copying.
var bandwidthKey = key("internal/cmd/benchreport/scaling", "Bandwidth/all-threads")

// modelSpec says where each input of one workload's model comes from.
type modelSpec struct {
	name, short string
	t1, t2      compare.Key
	unit        string // of t1 and t2: sec/op
	tasks       float64
	tasksText   string
	dispatch    compare.Key
	bytes       float64
	bytesText   string
}

var modelSpecs = []modelSpec{
	{name: "map (CPU-bound, ~50 µs an item)", short: "map",
		t1: key("runtime", "Map/processes/workers=1"), t2: key("runtime", "Map/processes/workers=2"), unit: "sec/op",
		tasks: 1, tasksText: "1 item (chunked automatically: the per-item dispatch cost below already divides by the chunk)",
		dispatch: key("runtime", "Dispatch/processes"),
		bytes:    16, bytesText: "16 B (an int in, a float64 out)"},
	{name: "render (default scene, 640x360, Whitted, pixel step 2)", short: "render",
		t1: key("cmd/trace", "Render/processes/workers=1"), t2: key("cmd/trace", "Render/processes/workers=2"), unit: "sec/op",
		tasks:     float64(((renderW + renderTile - 1) / renderTile) * ((renderH + renderTile - 1) / renderTile)),
		tasksText: fmt.Sprintf("%d tiles of %d px (a task each)", ((renderW+renderTile-1)/renderTile)*((renderH+renderTile-1)/renderTile), renderTile),
		dispatch:  key("runtime", "Dispatch/processes-chunk1"),
		bytes:     renderW * renderH * 4, bytesText: fmt.Sprintf("%d B (the %dx%d RGBA framebuffer, written once; the scene stays in cache)", renderW*renderH*4, renderW, renderH)},
}

// modelResult is one workload's model and its predictions.
type modelResult struct {
	spec  modelSpec
	w     scaling.Workload
	s     float64
	preds []scaling.Prediction
	err   error
}

func median(set *compare.Set, k compare.Key, unit string) (float64, error) {
	s, err := set.Summary(k, unit)
	return s.Median, err
}

func models(set *compare.Set) []modelResult {
	bw, _ := median(set, bandwidthKey, "B/s") // missing: no bandwidth ceiling, and the report says so
	var out []modelResult
	for _, spec := range modelSpecs {
		out = append(out, model(set, spec, bw))
	}
	return out
}

func model(set *compare.Set, spec modelSpec, bw float64) modelResult {
	m := modelResult{spec: spec}
	var errs [3]error
	m.w.T1, errs[0] = median(set, spec.t1, spec.unit)
	m.w.T2, errs[1] = median(set, spec.t2, spec.unit)
	m.w.DispatchSec, errs[2] = median(set, spec.dispatch, "sec/op")
	m.w.TasksPerOp, m.w.BytesPerOp, m.w.Bandwidth = spec.tasks, spec.bytes, bw
	for _, err := range errs {
		if err != nil {
			m.err = err
			return m
		}
	}
	if m.s, m.err = scaling.SerialFraction(m.w.T1, m.w.T2); m.err != nil {
		return m
	}
	for _, n := range modelWorkers {
		p, err := m.w.Predict(n)
		if err != nil {
			m.err = err
			return m
		}
		m.preds = append(m.preds, p)
	}
	return m
}

// inputTable lists the model's inputs with their sources.
func (m modelResult) inputTable() *compare.Table {
	t := &compare.Table{Header: []string{"input", "value", "from"}}
	t.Append("T1, time per op, 1 worker", compare.Format(m.w.T1, "sec/op"), "measured: "+m.spec.t1.String())
	t.Append("T2, time per op, 2 workers", compare.Format(m.w.T2, "sec/op"), "measured: "+m.spec.t2.String())
	t.Append("s, serial fraction", fmt.Sprintf("%.3f", m.s), "2·T2/T1 − 1, clamped to [0, 1]")
	t.Append("k, tasks per op", fmt.Sprintf("%g", m.w.TasksPerOp), m.spec.tasksText)
	t.Append("d, master's cost per task", compare.Format(m.w.DispatchSec, "sec/op"), "measured: "+m.spec.dispatch.String()+" (2 workers: an upper bound on the master's share)")
	t.Append("b, memory traffic per op", compare.Format(m.w.BytesPerOp, "B"), m.spec.bytesText)
	bw := "missing: no bandwidth ceiling"
	if m.w.Bandwidth > 0 {
		bw = compare.Format(m.w.Bandwidth, "B/s")
	}
	t.Append("BW, memory bandwidth", bw, "measured: "+bandwidthKey.String()+" (read + write, all cores of this machine; assumed the same on a larger one, which is pessimistic)")
	return t
}

// predictionTable lists the predictions, one row per worker count.
func (m modelResult) predictionTable() *compare.Table {
	t := &compare.Table{Header: []string{"workers", "time per op", "speedup over 1 worker", "set by"}}
	for _, p := range m.preds {
		label := "PREDICTED"
		if p.Workers <= 2 {
			label = "fitted to the measurement"
		}
		t.Append(fmt.Sprint(p.Workers), compare.Format(p.SecPerOp, "sec/op"),
			fmt.Sprintf("%.1fx (%s)", p.Speedup, label), p.Bound.String())
	}
	return t
}
