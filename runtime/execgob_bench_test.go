package runtime_test

import (
	"bufio"
	"encoding/gob"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// envExecGob makes the test binary a worker of the exec-gob baseline.
const envExecGob = "SHMRUN_TEST_EXEC_GOB"

// execGobChunk is how many items the exec-gob baseline sends at a time.
const execGobChunk = 1000

// serveExecGob runs the exec-gob baseline's worker if this process was
// started as one: it decodes chunks of items from stdin, applies empty to
// each and encodes the results to stdout until stdin closes.
func serveExecGob() {
	if os.Getenv(envExecGob) == "" {
		return
	}
	in := gob.NewDecoder(bufio.NewReader(os.Stdin))
	w := bufio.NewWriter(os.Stdout)
	out := gob.NewEncoder(w)
	var chunk, res []int
	for {
		if err := in.Decode(&chunk); err != nil {
			if errors.Is(err, io.EOF) {
				os.Exit(0)
			}
			os.Exit(1)
		}
		res = res[:0]
		for _, x := range chunk {
			res = append(res, empty(x))
		}
		if out.Encode(res) != nil || w.Flush() != nil {
			os.Exit(1)
		}
	}
}

// execGobWorker is the master's end of one exec-gob worker.
type execGobWorker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	enc *gob.Encoder
	dec *gob.Decoder
}

func startExecGob(b *testing.B) *execGobWorker {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envExecGob+"=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return &execGobWorker{cmd: cmd, in: in, enc: gob.NewEncoder(in), dec: gob.NewDecoder(bufio.NewReader(out))}
}

// benchExecGob is the naive way to run work in other processes: a pool of
// os/exec workers, each fed gob-encoded chunks of execGobChunk items over
// a pipe by a goroutine of the master that waits for each chunk's results
// before it sends the next. Each op is one item, dispatched and answered.
func benchExecGob(b *testing.B) {
	ws := make([]*execGobWorker, workers())
	for i := range ws {
		ws[i] = startExecGob(b)
	}
	run := func(n int) {
		chunks := make(chan []int, len(ws))
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Go(func() {
				var res []int
				for c := range chunks {
					if err := w.enc.Encode(c); err != nil {
						b.Error(err)
						return
					}
					if err := w.dec.Decode(&res); err != nil || len(res) != len(c) {
						b.Errorf("%d results for %d items: %v", len(res), len(c), err)
						return
					}
					sinkInt.Store(int64(res[len(res)-1]))
				}
			})
		}
		for i := 0; i < n; i += execGobChunk {
			c := make([]int, min(execGobChunk, n-i))
			for j := range c {
				c[j] = i + j
			}
			chunks <- c
		}
		close(chunks)
		wg.Wait()
	}
	run(10000) // the workers are up and their codecs have sent their types
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
	b.StopTimer()
	for _, w := range ws {
		w.in.Close()
		if err := w.cmd.Wait(); err != nil {
			b.Error(err)
		}
	}
}
