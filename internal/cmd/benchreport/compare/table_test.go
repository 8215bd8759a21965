package compare_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/shmrun/shmrun/internal/cmd/benchreport/compare"
)

func table() *compare.Table {
	t := &compare.Table{Header: []string{"pair", "ratio", "target"}}
	t.Append("ring vs chan", "3.1x", "≥3x")
	t.Append("proxy | rpc", "missing")
	t.Append("a", "b", "c", "dropped")
	return t
}

func TestTableText(t *testing.T) {
	assert.Equal(t, ""+
		"pair          ratio    target\n"+
		"ring vs chan  3.1x     ≥3x\n"+
		"proxy | rpc   missing\n"+
		"a             b        c\n", table().Text())
}

func TestTableMarkdown(t *testing.T) {
	assert.Equal(t, ""+
		"| pair | ratio | target |\n"+
		"|---|---|---|\n"+
		"| ring vs chan | 3.1x | ≥3x |\n"+
		`| proxy \| rpc | missing |  |`+"\n"+
		"| a | b | c |\n", table().Markdown())
}
