package physical

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
)

// WindowExec evaluates window functions that share one window (see
// logical.Window): it sorts its input by PartitionBy then OrderBy once and
// appends one column per call in Funcs, named by Names.
type WindowExec struct {
	Input       Plan
	PartitionBy []expr.Expr
	OrderBy     []logical.SortKey
	Funcs       []expr.WindowCall
	Names       []string
}

var _ Plan = (*WindowExec)(nil)

// Schema is the input's columns then one nullable field per call (the
// schema logical.Window reports).
func (w *WindowExec) Schema() *arrow.Schema {
	return logical.WindowSchema(w.Input.Schema(), w.Funcs, w.Names)
}

func (w *WindowExec) Children() []Plan { return []Plan{w.Input} }

func (w *WindowExec) WithChildren(c []Plan) Plan {
	n := *w
	n.Input = c[0]
	return &n
}

// String renders e.g. "WindowExec: partition_by=[a] order_by=[b ASC]
// funcs=[rank()]".
func (w *WindowExec) String() string {
	return "WindowExec: " + logical.FormatWindow(w.PartitionBy, w.OrderBy, w.Funcs)
}

// lowerWindow lowers a logical.Window over its already lowered input.
func lowerWindow(n *logical.Window, in Plan) Plan {
	return &WindowExec{Input: in, PartitionBy: n.PartitionBy, OrderBy: n.OrderBy, Funcs: n.Funcs, Names: n.Names}
}

// newWindow builds a WindowExec's operator with the node's schema.
func newWindow(input operator.Operator, n *WindowExec, mem memory.Allocator, b *operator.Budget) (operator.Operator, error) {
	keys := make([]operator.SortKey, len(n.OrderBy))
	for i, k := range n.OrderBy {
		keys[i] = operator.SortKey{Expr: k.Expr, Desc: k.Desc, NullsFirst: k.NullsFirst}
	}
	return operator.NewWindow(input, n.PartitionBy, keys, n.Funcs, n.Schema(), mem, b), nil
}
