//go:build amd64 || arm64 || 386 || ppc64le || s390x

package runtime

// unalignedOK: this architecture loads and stores words at any address,
// so a raw value is copied with one typed move (see loadRaw).
const unalignedOK = true
