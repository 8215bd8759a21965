package scene

import (
	"fmt"
	"io/fs"
	"math"
	"slices"
)

// decoder turns the node tree into a Scene. It keeps the first error only:
// every later call still runs (so decoding code reads straight, without an
// "if err" per field) but cannot replace it.
type decoder struct {
	file   string // scene file name for messages
	src    []byte
	fsys   fs.FS // where mesh files are found; nil means none
	err    error
	tris   int              // triangles generated or loaded so far
	meshes map[string]*Mesh // OBJ files already loaded, by name
	mats   map[string]int   // material index by name
}

// fail records a located error unless one is already recorded.
func (d *decoder) fail(off int, sentinel error, format string, args ...any) {
	if d.err != nil {
		return
	}
	line, col := position(d.src, off)
	d.err = &Error{File: d.file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

// object reads the fields of one JSON object. what names the object in
// messages ("sphere", "camera").
type object struct {
	d    *decoder
	n    *node
	what string
}

// obj checks that n is an object whose keys are all in allowed.
func (d *decoder) obj(n *node, what string, allowed ...string) object {
	if !d.isKind(n, objectNode, what) {
		return object{d: d, what: what}
	}
	for _, f := range n.fields {
		if !slices.Contains(allowed, f.key) {
			d.fail(f.off, ErrUnknownField, "unknown field %q in %s", f.key, what)
		}
	}
	return object{d, n, what}
}

// isKind reports whether n has kind k, recording a type error if not.
func (d *decoder) isKind(n *node, k nodeKind, what string) bool {
	if n == nil {
		return false
	}
	if n.kind != k {
		d.fail(n.off, ErrType, "%s: expected %s, got %s", what, k, n.kind)
		return false
	}
	return true
}

// get returns the value of key, or nil when the key is absent.
func (o object) get(key string) *node {
	if o.n == nil {
		return nil
	}
	for i := range o.n.fields {
		if o.n.fields[i].key == key {
			return o.n.fields[i].val
		}
	}
	return nil
}

// need returns the value of key, recording a missing-field error if absent.
func (o object) need(key string) *node {
	v := o.get(key)
	if v == nil && o.n != nil {
		o.d.fail(o.n.off, ErrMissing, "missing field %q in %s", key, o.what)
	}
	return v
}

func (o object) name(key string) string { return o.what + " " + key }

// invalid records an impossible value for key.
func (o object) invalid(key string, format string, args ...any) {
	off := 0
	if v := o.get(key); v != nil {
		off = v.off
	} else if o.n != nil {
		off = o.n.off
	}
	o.d.fail(off, ErrValue, "%s: %s", o.name(key), fmt.Sprintf(format, args...))
}

func (o object) num(key string, def float64) float64 {
	return o.d.number(o.get(key), o.name(key), def)
}

func (o object) reqNum(key string) float64 { return o.d.number(o.need(key), o.name(key), 0) }

func (d *decoder) number(n *node, what string, def float64) float64 {
	if n == nil || !d.isKind(n, numberNode, what) {
		return def
	}
	return n.num
}

// integer reads key as a whole number in [lo, hi].
func (o object) integer(key string, def, lo, hi int) int {
	n := o.get(key)
	if n == nil || !o.d.isKind(n, numberNode, o.name(key)) {
		return def
	}
	if n.num != math.Trunc(n.num) || n.num < float64(lo) || n.num > float64(hi) {
		o.invalid(key, "must be a whole number in [%d, %d], got %v", lo, hi, n.num)
		return def
	}
	return int(n.num)
}

func (o object) str(key, def string) string {
	n := o.get(key)
	if n == nil || !o.d.isKind(n, stringNode, o.name(key)) {
		return def
	}
	return n.str
}

func (o object) reqStr(key string) string {
	n := o.need(key)
	if n == nil || !o.d.isKind(n, stringNode, o.name(key)) {
		return ""
	}
	return n.str
}

func (o object) boolean(key string, def bool) bool {
	n := o.get(key)
	if n == nil || !o.d.isKind(n, boolNode, o.name(key)) {
		return def
	}
	return n.b
}

func (o object) vec(key string, def Vec3) Vec3 { return o.d.vec(o.get(key), o.name(key), def) }

func (o object) reqVec(key string) Vec3 { return o.d.vec(o.need(key), o.name(key), Vec3{}) }

// vec reads a JSON array of three numbers.
func (d *decoder) vec(n *node, what string, def Vec3) Vec3 {
	if n == nil || !d.isKind(n, arrayNode, what) {
		return def
	}
	if len(n.elems) != 3 {
		d.fail(n.off, ErrType, "%s: expected an array of 3 numbers, got %d elements", what, len(n.elems))
		return def
	}
	var v [3]float64
	for i, e := range n.elems {
		v[i] = d.number(e, what, 0)
	}
	return Vec3{v[0], v[1], v[2]}
}

// colour reads an RGB colour whose components must be >= 0.
func (o object) colour(key string, def Vec3) Vec3 {
	c := o.vec(key, def)
	if c.X < 0 || c.Y < 0 || c.Z < 0 {
		o.invalid(key, "colour components must be >= 0, got %v", fmtVec(c))
	}
	return c
}

// typeOf reads the "type" discriminator of a typed object.
func (d *decoder) typeOf(n *node, what string) string {
	if !d.isKind(n, objectNode, what) {
		return ""
	}
	return object{d, n, what}.reqStr("type")
}

// badType records an unknown "type" value.
func (d *decoder) badType(n *node, what, got string, known ...string) {
	v := object{d, n, what}.get("type")
	d.fail(v.off, ErrValue, "%s type: unknown type %q (want one of %v)", what, got, known)
}

func fmtVec(v Vec3) string { return fmt.Sprintf("[%g, %g, %g]", v.X, v.Y, v.Z) }
