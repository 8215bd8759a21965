//go:build !linux

package runtime

import "errors"

func allowedCPUs() ([]int, error) {
	return nil, errors.New("shmrun: PinWorkers needs Linux")
}

func pinProcess(int) error { return nil }
