// Package nomaintest is a test binary with no TestMain: its workers run
// the tests again instead of tasks. TestForgottenMain builds and runs it.
package nomaintest

import (
	"context"
	"testing"
	"time"

	"github.com/shmrun/shmrun/runtime"
)

var square = runtime.Register("nomaintest.square", func(_ *runtime.Env, x int) (int, error) { return x * x, nil })

func TestStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := runtime.Start(ctx, &runtime.Options{Workers: 2, StartTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p.Close(ctx)
}
