//go:build !(goexperiment.simd && amd64)

package render

// push is pushScalar: the plain build has no SIMD kernel.
func (st *traversal) push(n *wideNode, r *ray, tmax int32, sp int) int {
	return st.pushScalar(n, r, tmax, sp)
}
