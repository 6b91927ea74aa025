package physical

import (
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/operator"
)

// newSort builds a SortExec's operator. operator.NewSort has no fetch bound
// yet: it sorts its whole input. A Fetch is honoured by capping the output
// (a Limit over the sort), which is correct but holds every row; this is why
// physopt.TopN is not in physopt.DefaultRules yet.
func newSort(input operator.Operator, n *SortExec, mem memory.Allocator, b *operator.Budget) (operator.Operator, error) {
	keys := make([]operator.SortKey, len(n.Keys))
	for i, k := range n.Keys {
		keys[i] = operator.SortKey{Expr: k.Expr, Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	op := operator.NewSort(input, keys, mem, b)
	if n.Fetch >= 0 {
		op = operator.NewLimit(op, 0, n.Fetch)
	}
	return op, nil
}
