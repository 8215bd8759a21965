package runtime

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// passEnv lists the variables a worker inherits from the master, if set:
// what the Go runtime and its tools read, and the basics of a Unix
// process. Everything else, secrets included, stays in the master.
var passEnv = []string{
	"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ",
	"GODEBUG", "GOTRACEBACK", "GOGC", "GOMEMLIMIT", "GORACE", "GOCOVERDIR",
}

// process is one incarnation of a worker process.
type process struct {
	cmd    *exec.Cmd
	pid    int
	live   *os.File // write end of the liveness pipe; the worker sees EOF when it closes
	out    *tail
	exited chan struct{}
	state  *os.ProcessState
}

// spawn starts worker id by executing this program's own binary with the
// worker marker set, the arena as fd 3 and the liveness pipe as fd 4.
func (b *procBackend) spawn(id int) (*process, error) {
	p := b.p
	liveR, liveW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("shmrun: worker %d: liveness pipe: %w", id, err)
	}
	defer liveR.Close()
	outR, outW, err := os.Pipe()
	if err != nil {
		liveW.Close()
		return nil, fmt.Errorf("shmrun: worker %d: output pipe: %w", id, err)
	}
	defer outW.Close()
	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{os.Args[0]}
	cmd.Env = b.workerEnv(id)
	cmd.ExtraFiles = []*os.File{p.arena.File(), liveR}
	cmd.Stdout, cmd.Stderr = outW, outW // never the master's stdout: it may carry data
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Pdeathsig: syscall.SIGKILL,
		Setpgid:   true, // a terminal's Ctrl-C goes to the master alone
	}
	if err := cmd.Start(); err != nil {
		liveW.Close()
		outR.Close()
		return nil, fmt.Errorf("shmrun: start worker %d: %w", id, err)
	}
	pr := &process{cmd: cmd, pid: cmd.Process.Pid, live: liveW, out: newTail(16), exited: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		pr.out.copy(outR, &p.stderr, fmt.Sprintf("worker %d: ", id))
	}()
	return pr, nil
}

func (b *procBackend) workerEnv(id int) []string {
	p := b.p
	env := []string{
		envWorker + "=" + strconv.Itoa(id),
		envSpin + "=" + strconv.FormatInt(int64(p.opts.Spin), 10),
		envBuild + "=" + strconv.FormatUint(p.build, 16),
		"GOMAXPROCS=" + strconv.Itoa(p.opts.WorkerProcs),
	}
	if len(b.cpus) > 0 {
		env = append(env, envCPU+"="+strconv.Itoa(b.cpus[id%len(b.cpus)]))
	}
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, p.opts.Env...)
}

// wait reaps the process and records how it ended.
func (pr *process) wait() {
	pr.cmd.Wait()
	pr.state = pr.cmd.ProcessState
	pr.live.Close()
	close(pr.exited)
}

// lockedWriter serializes the writes of the workers' output copiers, so that
// Options.Stderr need not be safe for concurrent use and lines never mix.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// tail keeps the last lines a worker wrote, and forwards every line.
type tail struct {
	mu    sync.Mutex
	lines []string
	max   int
	done  chan struct{}
}

func newTail(max int) *tail { return &tail{max: max, done: make(chan struct{})} }

func (t *tail) copy(r io.ReadCloser, w io.Writer, prefix string) {
	defer close(t.done)
	defer r.Close()
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 4096), 64<<10)
	for s.Scan() {
		line := s.Text()
		t.mu.Lock()
		if len(t.lines) == t.max {
			copy(t.lines, t.lines[1:])
			t.lines = t.lines[:t.max-1]
		}
		t.lines = append(t.lines, line)
		t.mu.Unlock()
		fmt.Fprintf(w, "%s%s\n", prefix, line)
	}
}

// last returns up to n of the last lines, once the output has ended (or
// after a second, if something else still holds the pipe open).
func (t *tail) last(n int) []string {
	select {
	case <-t.done:
	case <-time.After(time.Second):
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines[max(0, len(t.lines)-n):]
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
