package view

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTTPURLOfAWildcardListenerIsLocalhost(t *testing.T) {
	for addr, want := range map[string]string{
		"[::]:18081":     "http://localhost:18081/",
		"0.0.0.0:8080":   "http://localhost:8080/",
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		"[::1]:9":        "http://[::1]:9/",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		require.NoError(t, err, addr)
		assert.Equal(t, want, httpURL(a), addr)
	}
	assert.Equal(t, "http://localhost:7/", httpURL(&net.TCPAddr{Port: 7}), "no address at all")
}
