package faults_test

import (
	"fmt"
	"os/exec"

	"github.com/shmrun/shmrun/internal/faults"
)

// Example hits two processes, one fault each, once the work under test is
// done enough; here it always is.
func Example() {
	procs := map[int]*exec.Cmd{}
	var pids []int
	for range 2 {
		cmd := exec.Command("sleep", "60")
		if err := cmd.Start(); err != nil {
			fmt.Println(err)
			return
		}
		procs[cmd.Process.Pid] = cmd
		pids = append(pids, cmd.Process.Pid)
	}
	in := faults.Start(faults.Options{Faults: 2, Seed: 3,
		Targets:  func() []int { return pids },
		Progress: func() float64 { return 1 },
	})
	<-in.Done()
	rep := in.Stop()
	fmt.Printf("%d faults: %d SIGKILL, %d SIGSTOP\n", len(rep.Faults), rep.Kills, rep.Stops)
	fmt.Println("still there before reaping:", len(rep.Survivors()))
	for _, cmd := range procs { // a supervisor kills what is stopped and reaps
		cmd.Process.Kill()
		cmd.Wait()
	}
	fmt.Println("after:", len(rep.Survivors()))
	// Output:
	// 2 faults: 1 SIGKILL, 1 SIGSTOP
	// still there before reaping: 2
	// after: 0
}
