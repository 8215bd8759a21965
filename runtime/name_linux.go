package runtime

import (
	"os"
	"path/filepath"
)

// nameProcess gives a worker process its program's name. The master
// starts it through /proc/self/exe, so the kernel names it "exe", which
// ps, top, pgrep and killall show and match; the program's name (its
// argv[0], which the master passes on) is what a user looks for. Writing
// /proc/self/comm renames the process's main thread, whose name is the
// process's; the kernel keeps the first 15 bytes. A failure leaves the
// name as it was.
func nameProcess() {
	if name := filepath.Base(os.Args[0]); name != "" && name != "." && name != "/" {
		os.WriteFile("/proc/self/comm", []byte(name), 0)
	}
}
