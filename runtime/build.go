package runtime

import (
	"hash/fnv"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// buildHash identifies this binary: the protocol, the Go version, the main
// module and its VCS state, and the executable file's identity. A worker
// is started from /proc/self/exe, so it is the same file by construction;
// the hash turns any surprise into a clear handshake error instead of
// undefined behaviour.
func buildHash() uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.Itoa(wire.Protocol)))
	h.Write([]byte(goruntime.Version()))
	if bi, ok := debug.ReadBuildInfo(); ok {
		h.Write([]byte(bi.Main.Path + "@" + bi.Main.Version))
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				h.Write([]byte(s.Value))
			}
		}
	}
	var st syscall.Stat_t
	if syscall.Stat("/proc/self/exe", &st) == nil {
		h.Write([]byte(strconv.FormatUint(st.Dev, 16) + ":" + strconv.FormatUint(st.Ino, 16) +
			":" + strconv.FormatInt(st.Size, 16)))
	} else if exe, err := os.Executable(); err == nil {
		h.Write([]byte(exe))
	}
	return h.Sum64()
}
