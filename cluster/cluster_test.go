package cluster_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/shmrun/shmrun/runtime"
)

func TestMapOverHosts(t *testing.T) {
	m := startMaster(t, 1, nil)
	a := startHost(t, m.c.URL(), 1)
	b := startHost(t, m.c.URL(), 2)
	m.waitHosts(t, 2)
	assert.Equal(t, 4, m.pool.Capacity())
	ctx := context.Background()
	sq, err := runtime.Map(ctx, m.pool, square, ints(10000), &runtime.MapOptions{Chunk: 20})
	require.NoError(t, err)
	for i, v := range sq {
		require.Equal(t, i*i, v)
	}
	pids, err := runtime.Map(ctx, m.pool, where, ints(400), &runtime.MapOptions{Chunk: 1})
	require.NoError(t, err)
	seen := map[int]int{}
	for _, p := range pids {
		seen[p]++
	}
	st := m.pool.Stats()
	assert.Positive(t, seen[a.pid()], "host a ran nothing: %v %s", seen, describe(st))
	assert.Positive(t, seen[b.pid()], "host b ran nothing: %v %s", seen, describe(st))
	require.Len(t, st.Hosts, 2)
}
