//go:build goexperiment.simd && amd64

package render

import "simd/archsimd"

// This file is the SIMD box test, built only with GOEXPERIMENT=simd on
// amd64 and used only where the CPU has AVX2; everything else runs
// pushScalar. It tests a node's four children in one pass of 128-bit
// operations, the same float32 multiplies and adds and the same integer
// min and max on the distances' bits as pushScalar, so it pushes the same
// entries (TestPushSIMDMatchesScalar).

// simdPush reports whether push uses pushSIMD.
var simdPush = archsimd.X86.AVX2()

// push tests the ray against the four children of n; see pushScalar.
func (st *traversal) push(n *wideNode, r *ray, tmax int32, sp int) int {
	if simdPush {
		return st.pushSIMD(n, r, tmax, sp)
	}
	return st.pushScalar(n, r, tmax, sp)
}

// pushSIMD is pushScalar with the four box tests in one vector each way.
// It clears the upper halves of the AVX registers before returning:
// scalar code after dirty upper halves runs much slower on some CPUs.
func (st *traversal) pushSIMD(n *wideNode, r *ray, tmax int32, sp int) int {
	sx, sy, sz := r.sel[0]&1, r.sel[1]&1, r.sel[2]&1
	dist := func(b *[4]float32, m, a float32) archsimd.Int32x4 {
		return archsimd.LoadFloat32x4(b).Mul(archsimd.BroadcastFloat32x4(m)).Add(archsimd.BroadcastFloat32x4(a)).AsInt32x4()
	}
	t := dist(&n.Box[sx][0], r.mul[0][0], r.add[0][0]).
		Max(dist(&n.Box[sy][1], r.mul[0][1], r.add[0][1])).
		Max(dist(&n.Box[sz][2], r.mul[0][2], r.add[0][2])).
		Max(archsimd.Int32x4{})
	e := dist(&n.Box[sx^1][0], r.mul[1][0], r.add[1][0]).
		Min(dist(&n.Box[sy^1][1], r.mul[1][1], r.add[1][1])).
		Min(dist(&n.Box[sz^1][2], r.mul[1][2], r.add[1][2])).
		Min(archsimd.BroadcastInt32x4(tmax))
	in := uint32(t.LessEqual(e).ToBits())
	var ts [4]int32
	t.Store(&ts)
	archsimd.ClearAVXUpperBits()
	ord := uint32(n.Order[r.oct&7])
	for k := 6; k >= 0; k -= 2 {
		s := ord >> k & 3
		st.e[sp] = entry{n.Child[s], ts[s]}
		sp += int(in >> s & 1)
	}
	return sp
}
