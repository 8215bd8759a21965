package compare

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// Key names one benchmark: its package, relative to the module root ("ring",
// "cmd/trace"; "." for the root package), and its full name without the
// "Benchmark" prefix and without the GOMAXPROCS suffix
// ("Throughput/ring-cross-process").
type Key struct {
	Pkg, Name string
}

// String returns "pkg.Name".
func (k Key) String() string { return k.Pkg + "." + k.Name }

// A Set holds the measurements of many benchmarks over several runs: for
// each benchmark and unit, one value per run. Units are tidied the way
// benchstat tidies them: ns/op becomes sec/op and MB/s becomes B/s, in
// base units. A zero Set is empty and ready to use. A Set is not safe for
// concurrent use.
type Set struct {
	samples map[Key]map[string][]float64
	units   map[Key][]string
	keys    []Key
	// Skipped counts benchmark lines that could not be parsed and values
	// that were NaN or infinite.
	Skipped int
}

// Parse reads `go test -bench` output from r, any number of runs and
// packages concatenated, into a new Set. module is the module path that
// prefixes package names ("github.com/shmrun/shmrun"). Lines that are not
// benchmark results (test logs, PASS, ok) are ignored; malformed benchmark
// lines, and NaN or infinite values, are counted in Skipped. It fails, wrapping ErrBadInput, only when r
// cannot be read.
func Parse(r io.Reader, module string) (*Set, error) { return ParseTagged(r, module, nil) }

// A Tagger names a class of one benchmark result from its values, by
// unit as the line has them ("ns/op", not "sec/op"): "" for none.
type Tagger func(values map[string]float64) string

// ParseTagged is Parse that also files each result that tag names under
// a second key, its name followed by "@" and the tag
// ("Throughput/ring-cross-process@near"), so that results of one class can
// be compared with each other alone. A nil tag tags nothing.
func ParseTagged(r io.Reader, module string, tag Tagger) (*Set, error) {
	s := &Set{}
	br := benchfmt.NewReader(r, "bench")
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.Result:
			k := Key{Pkg: relPkg(rec.GetConfig("pkg"), module), Name: stripProcs(rec.Name)}
			keys := []Key{k}
			if t := tagOf(rec, tag); t != "" {
				keys = append(keys, Key{Pkg: k.Pkg, Name: k.Name + "@" + t})
			}
			for _, v := range rec.Values {
				if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
					s.Skipped++ // a broken metric; benchmath would hang on a NaN
					continue
				}
				for _, k := range keys {
					s.Add(k, v.Unit, v.Value)
				}
			}
		case *benchfmt.SyntaxError:
			s.Skipped++
		}
	}
	if err := br.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadInput, err)
	}
	return s, nil
}

func tagOf(rec *benchfmt.Result, tag Tagger) string {
	if tag == nil {
		return ""
	}
	values := make(map[string]float64, len(rec.Values))
	for _, v := range rec.Values {
		if v.OrigUnit == "" { // not tidied: as read
			values[v.Unit] = v.Value
		} else {
			values[v.OrigUnit] = v.OrigValue
		}
	}
	return tag(values)
}

// relPkg makes a package path relative to module.
func relPkg(pkg, module string) string {
	switch {
	case pkg == module:
		return "."
	case module != "" && strings.HasPrefix(pkg, module+"/"):
		return pkg[len(module)+1:]
	}
	return pkg
}

// stripProcs drops the GOMAXPROCS suffix ("-2") from a benchmark name.
func stripProcs(n benchfmt.Name) string {
	base, parts := n.Parts()
	var b bytes.Buffer
	b.Write(base)
	for _, p := range parts {
		if len(p) > 0 && p[0] == '/' {
			b.Write(p)
		}
	}
	return b.String()
}

// Add records one measurement of benchmark k in unit. NaN and infinite
// values are not measurements: Add drops them.
func (s *Set) Add(k Key, unit string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	if s.samples == nil {
		s.samples = map[Key]map[string][]float64{}
		s.units = map[Key][]string{}
	}
	m, ok := s.samples[k]
	if !ok {
		m = map[string][]float64{}
		s.samples[k] = m
		s.keys = append(s.keys, k)
	}
	if _, ok := m[unit]; !ok {
		s.units[k] = append(s.units[k], unit)
	}
	m[unit] = append(m[unit], v)
}

// Keys returns the benchmarks in the order they first appeared.
func (s *Set) Keys() []Key { return append([]Key(nil), s.keys...) }

// Units returns the units benchmark k reported, in the order they first
// appeared; nil if k has no measurements.
func (s *Set) Units(k Key) []string { return append([]string(nil), s.units[k]...) }

// Values returns a copy of the measurements of benchmark k in unit, one per
// run, in input order; nil if there are none.
func (s *Set) Values(k Key, unit string) []float64 {
	return append([]float64(nil), s.samples[k][unit]...)
}

// Summary summarizes benchmark k in unit; it wraps ErrNoSamples when there
// are no measurements.
func (s *Set) Summary(k Key, unit string) (Summary, error) {
	v := s.samples[k][unit]
	if len(v) == 0 {
		return Summary{}, fmt.Errorf("%w: %s in %s", ErrNoSamples, k, unit)
	}
	return Summarize(v), nil
}
