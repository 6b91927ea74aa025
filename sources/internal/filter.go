package internal

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/expr"
)

// CanEvaluate reports whether the engine's evaluator accepts pred over
// batches of schema: its columns are in range with matching types, it is
// boolean, and expr.Eval succeeds on an empty batch. Providers use it to
// call a filter Exact exactly when Filter below can apply it. It does no I/O
// and allocates only an empty batch.
func CanEvaluate(schema *arrow.Schema, pred expr.Expr) bool {
	if pred == nil || pred.Type() == nil || pred.Type().ID() != arrow.BOOL {
		return false
	}
	fields := schema.Fields()
	ok := true
	expr.Walk(pred, func(n expr.Expr) bool {
		if c, isCol := n.(*expr.Column); isCol {
			if c.Index < 0 || c.Index >= len(fields) || !arrow.TypeEqual(c.DataType, fields[c.Index].Type) {
				ok = false
			}
		}
		return ok
	})
	if !ok {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	mem := memory.NewGoAllocator()
	empty := array.NewRecordBatch(schema, emptyColumns(mem, schema), 0)
	defer empty.Release()
	mask, err := expr.Eval(context.Background(), pred, empty, mem)
	if err != nil {
		return false
	}
	mask.Release()
	return ok
}

func emptyColumns(mem memory.Allocator, schema *arrow.Schema) []arrow.Array {
	cols := make([]arrow.Array, len(schema.Fields()))
	for i, f := range schema.Fields() {
		cols[i] = array.MakeArrayOfNull(mem, f.Type, 0)
	}
	return cols
}

// Filter keeps the rows of b for which every predicate is TRUE (NULL drops),
// with the engine's own evaluation (expr.FilterBatch), so an Exact verdict
// can never disagree with the engine. It returns a batch the caller
// releases (b itself, retained, when there are no predicates); b is not
// released.
func Filter(ctx context.Context, preds []expr.Expr, b arrow.RecordBatch, mem memory.Allocator) (arrow.RecordBatch, error) {
	cur := b
	cur.Retain()
	for _, p := range preds {
		if cur.NumRows() == 0 {
			break
		}
		next, err := expr.FilterBatch(ctx, p, cur, mem)
		cur.Release()
		if err != nil {
			// Keep the evaluator's kind (e.g. ErrInvalid for an overflow).
			return nil, fmt.Errorf("applying pushed filter %s: %w", p, err)
		}
		cur = next
	}
	return cur, nil
}
