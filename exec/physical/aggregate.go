package physical

import (
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/operator"
)

// newHashAggregate builds a HashAggregateExec's operator with the node's
// schema, so run-time batches match the prepared schema.
func newHashAggregate(input operator.Operator, n *HashAggregateExec, mem memory.Allocator, b *operator.Budget) (operator.Operator, error) {
	return operator.NewHashAggregate(input, n.GroupBy, n.Aggs, n.Schema(), mem, b), nil
}
