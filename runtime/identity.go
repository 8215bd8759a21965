package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strconv"
	"sync"

	"github.com/shmrun/shmrun/runtime/internal/wire"
)

var buildID = sync.OnceValue(func() string {
	h := sha256.New()
	io.WriteString(h, "shmrun protocol "+strconv.Itoa(wire.Protocol)+"\x00"+goruntime.Version()+"\x00")
	if bi, ok := debug.ReadBuildInfo(); ok {
		io.WriteString(h, bi.Main.Path+"@"+bi.Main.Version+"\x00")
	}
	if f, err := os.Open("/proc/self/exe"); err == nil {
		io.Copy(h, f)
		f.Close()
	} else if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			io.Copy(h, f)
			f.Close()
		}
	}
	return hex.EncodeToString(h.Sum(nil))
})

// BuildID identifies this program's build to remote hosts and their
// master (package cluster): the SHA-256 of the wire protocol's version,
// the Go version, the main module's path and version and the bytes of the
// executable. Copies of one binary have the same BuildID on any machine;
// a binary built from other sources, or with other flags, has another, and
// a master refuses a host whose BuildID differs from its own (kernels are
// registered by name, and their code must be the same). The executable is
// read once, by the first call.
func BuildID() string { return buildID() }

// KernelsID identifies the names of the kernels registered in this
// process; master and hosts must agree. It ends registration, as Start
// does.
func KernelsID() uint64 {
	_, h := freezeKernels()
	return h
}

// RingSize returns the capacity of each of the pool's rings
// (Options.RingSize): a remote host's pool uses the same, so that every
// task that fits here fits there.
func (p *Pool) RingSize() int { return p.opts.RingSize }
