//go:build !(amd64 || arm64 || 386 || ppc64le || s390x)

package runtime

// unalignedOK: this architecture may fault on, or trap and emulate, a
// word access at an unaligned address, so raw values are copied byte-wise
// (see loadRaw).
const unalignedOK = false
