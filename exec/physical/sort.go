package physical

import (
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/operator"
)

// newSort builds a SortExec's operator: operator.NewTopN when the node has
// a fetch bound (it holds only about max(2*Fetch, 8192) rows, whatever the
// input size), operator.NewSort otherwise.
func newSort(input operator.Operator, n *SortExec, mem memory.Allocator, b *operator.Budget) (operator.Operator, error) {
	keys := make([]operator.SortKey, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = operator.SortKey{Expr: k.Expr, Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	if n.Fetch >= 0 {
		return operator.NewTopN(input, keys, n.Fetch, mem, b), nil
	}
	return operator.NewSort(input, keys, mem, b), nil
}
