package render

import (
	"math"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/cmd/trace/internal/scene"
)

// openScene loads, compiles and opens an embedded scene, once per name.
func openScene(tb testing.TB, name string) *Scene {
	tb.Helper()
	v, _ := compiled.LoadOrStore(name, sync.OnceValues(func() (*Scene, error) {
		s, err := scene.Load(name)
		if err != nil {
			return nil, err
		}
		b, err := Compile(s)
		if err != nil {
			return nil, err
		}
		return Open(b)
	}))
	rs, err := v.(func() (*Scene, error))()
	require.NoError(tb, err)
	return rs
}

var compiled sync.Map // name -> func() (*Scene, error)

// bruteForce is the reference the BVH must agree with: every plane and
// every primitive of the world and of every instance, no trees (the
// primitive tests are the same: tracer.leaf).
func (tr *tracer) bruteForce(o, d Vec) (h hit, ok bool) {
	var r ray
	r.set(o, d)
	h = hit{t: inf, inst: instNone}
	tr.planes(&r, &h)
	lists := tr.s.primLists()
	tr.leaf(lists[0], &r, &h, instWorld, false)
	for i := range tr.s.insts {
		xf := &tr.f.xf[i]
		var lr ray
		lr.setScaled(xf.toObj.point(r.o), xf.toObj.dir(r.d))
		tr.leaf(lists[i+1], &lr, &h, int32(i), false)
	}
	return h, h.inst != instNone
}

// primLists returns, once per scene, the world tree's primitive references
// and then each instance's.
func (s *Scene) primLists() [][]uint32 {
	v, _ := primLists.LoadOrStore(s, sync.OnceValue(func() [][]uint32 {
		lists := make([][]uint32, 1+len(s.insts))
		s.leaves(s.hdr.World, func(ref uint32) {
			if ref>>refShift != refInstance {
				lists[0] = append(lists[0], ref)
			}
		})
		for i := range s.insts {
			s.leaves(s.insts[i].Root, func(ref uint32) { lists[i+1] = append(lists[i+1], ref) })
		}
		return lists
	}))
	return v.(func() [][]uint32)()
}

var primLists sync.Map // *Scene -> func() [][]uint32

// leaves calls f for every reference under the child word c.
func (s *Scene) leaves(c uint32, f func(uint32)) {
	if c&childLeaf != 0 {
		first, n := leafRange(c)
		for _, ref := range s.refs[first : first+n] {
			f(ref)
		}
		return
	}
	for _, child := range s.nodes[c].Child {
		s.leaves(child, f)
	}
}

// TestBVHMatchesBruteForce shoots random rays from random points in each
// scene at several frames and requires the BVH's closest hit, and its
// shadow-ray answer, to match a linear scan.
func TestBVHMatchesBruteForce(t *testing.T) {
	for _, name := range []string{"default", "cornell", "spheres", "terrain"} {
		rs := openScene(t, name)
		rays, frames := 300, []int{0, 77, 301}
		if name == "terrain" {
			rays, frames = 8, frames[:1] // a linear scan of 131k triangles is slow under -race
		}
		for _, frame := range frames {
			tr := tracer{s: rs, f: rs.frame(frame)}
			rng := NewRNG(frame, 1, 2, 3)
			for i := 0; i < rays; i++ {
				o := Vec{rng.Float64()*20 - 10, rng.Float64() * 6, rng.Float64()*20 - 10}
				d := sphereSample(&rng).Normalize()
				want, wok := tr.bruteForce(o, d)
				var got hit
				gok := tr.intersect(o, d, inf, &got)
				require.Equal(t, wok, gok, "%s frame %d ray %d", name, frame, i)
				if wok {
					require.InDelta(t, want.t, got.t, 1e-9*math.Max(1, want.t), "%s frame %d ray %d", name, frame, i)
					require.Equal(t, wok, tr.occluded(o, d, want.t*1.0001))
					require.False(t, tr.occluded(o, d, want.t*0.9999))
				}
			}
		}
	}
}

func TestBVHShape(t *testing.T) {
	rng := NewRNG(0, 0, 0, 0)
	var items []item
	for i := range 5000 {
		c := Vec{rng.Float64(), rng.Float64(), rng.Float64()}.Scale(100)
		if i%3 == 0 {
			c = Vec{1, 1, 1} // many coincident centroids
		}
		items = append(items, item{lo: c, hi: c.Add(Vec{1, 1, 1}), ref: uint32(i)})
	}
	b := &wideBuilder{}
	root := b.add(items)
	_, err := checkForest(b.nodes, len(b.refs), root)
	require.NoError(t, err)
	require.Len(t, b.refs, 5000)
	seen := map[uint32]bool{}
	for _, r := range b.refs {
		seen[r] = true
	}
	require.Len(t, seen, 5000, "every item in exactly one leaf")
}

// wastedSlots returns how many wide nodes of b leave a slot empty beside
// a leaf of two or more references, and how many leaves hold one.
func wastedSlots(b *wideBuilder) (wasted, singles int) {
	for i := range b.nodes {
		empty, most := 0, uint32(0)
		for _, c := range b.nodes[i].Child {
			if c&childLeaf == 0 {
				continue
			}
			_, k := leafRange(c)
			switch k {
			case 0:
				empty++
			case 1:
				singles++
			}
			most = max(most, k)
		}
		if empty > 0 && most > 1 {
			wasted++
		}
	}
	return wasted, singles
}

// TestWideNodesFillFreeSlots checks that a wide node's free slots take
// halves of its leaves when those halves are apart (spread): boxes in
// pairs along a line, which SAH leaves in leaves of two.
func TestWideNodesFillFreeSlots(t *testing.T) {
	var items []item
	for i := range 24 {
		c := Vec{float64(i/2*10 + i%2*2), 0, 0}
		items = append(items, item{lo: c, hi: c.Add(Vec{1, 1, 1}), ref: uint32(i)})
	}
	b := buildWide(t, items)
	wasted, _ := wastedSlots(b)
	assert.Zero(t, wasted, "nodes with an empty slot beside a leaf of two or more")
}

// TestWideNodesKeepCoincidentPairs checks that spread does not split a
// leaf whose halves have its box (the two triangles of a quad): a ray
// would enter both halves, one leaf more for no test less.
func TestWideNodesKeepCoincidentPairs(t *testing.T) {
	var items []item
	for i := range 24 {
		lo := Vec{float64(i / 2 * 10), 0, 0}
		items = append(items, item{lo: lo, hi: lo.Add(Vec{2, 1, 1}), ref: uint32(i)})
	}
	b := buildWide(t, items)
	_, singles := wastedSlots(b)
	assert.Zero(t, singles, "leaves of one of a coincident pair")
}

// buildWide builds a wide tree of items and requires it to be sound.
func buildWide(t *testing.T, items []item) *wideBuilder {
	t.Helper()
	b := &wideBuilder{}
	root := b.add(items)
	_, err := checkForest(b.nodes, len(b.refs), root)
	require.NoError(t, err)
	require.NotEmpty(t, b.nodes)
	return b
}

// BenchmarkIntersect compares closest-hit queries through the BVH with the
// linear scan it replaces, on the ~480 spheres of the spheres scene.
func BenchmarkIntersect(b *testing.B) {
	rs := openScene(b, "spheres")
	for _, mode := range []string{"bvh", "brute"} {
		b.Run(mode, func(b *testing.B) {
			tr := tracer{s: rs, f: rs.frame(0)}
			rng := NewRNG(0, 0, 0, 0)
			for b.Loop() {
				o := Vec{rng.Float64()*20 - 10, 0.5 + rng.Float64(), rng.Float64()*20 - 10}
				d := Vec{rng.Float64()*2 - 1, -0.1, rng.Float64()*2 - 1}.Normalize()
				if mode == "bvh" {
					var h hit
					tr.intersect(o, d, inf, &h)
				} else {
					tr.bruteForce(o, d)
				}
			}
		})
	}
}

// TestRayPlanes requires a prepared ray's plane offsets to find in a node
// the planes its signs select (Box[sel] near, Box[sel^1] far), for a ray
// of every octant.
func TestRayPlanes(t *testing.T) {
	var n wideNode
	for oct := range 8 {
		var r ray
		r.set(Vec{}, Vec{pick(oct&1, 1, -1), pick(oct&2, 2, -2), pick(oct&4, 3, -3)}.Normalize())
		require.Equal(t, uint8(oct), r.oct)
		for a := range 3 {
			s := r.sel[a]
			assert.Same(t, &n.Box[s][a], n.plane(r.planes[0][a]), "octant %d axis %d near", oct, a)
			assert.Same(t, &n.Box[s^1][a], n.plane(r.planes[1][a]), "octant %d axis %d far", oct, a)
		}
	}
}
