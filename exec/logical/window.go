package logical

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

// Window computes window functions that share one window: rows are
// partitioned by PartitionBy and ordered within a partition by OrderBy
// (NULLs first ascending, last descending, as MySQL), and every call in
// Funcs is evaluated per row over its partition (and frame). Output: every
// input column, unchanged, then one column per call, named by Names. Rows
// come out grouped by partition in window order; a query that needs another
// order sorts above.
//
// All expressions (partition keys, order keys, call arguments) bind to the
// input schema. A SELECT with several distinct windows stacks one Window
// node per window.
type Window struct {
	Input       Plan
	PartitionBy []expr.Expr
	OrderBy     []SortKey
	Funcs       []expr.WindowCall
	Names       []string
}

var _ Plan = (*Window)(nil)

// Schema is the input's columns then one nullable field per call.
func (w *Window) Schema() *arrow.Schema { return WindowSchema(w.Input.Schema(), w.Funcs, w.Names) }

// WindowSchema is a window node's output schema: in's fields, then one
// nullable field per call in funcs, named by the same index of names
// (shared by the logical and physical nodes).
func WindowSchema(in *arrow.Schema, funcs []expr.WindowCall, names []string) *arrow.Schema {
	fields := make([]arrow.Field, 0, in.NumFields()+len(funcs))
	fields = append(fields, in.Fields()...)
	for i, f := range funcs {
		fields = append(fields, arrow.Field{Name: names[i], Type: f.DataType, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

func (w *Window) Children() []Plan { return []Plan{w.Input} }

func (w *Window) WithChildren(c []Plan) Plan {
	n := *w
	n.Input = c[0]
	return &n
}

// String renders e.g. "Window: partition_by=[a] order_by=[b ASC]
// funcs=[row_number(), sum(c) ROWS BETWEEN 1 PRECEDING AND CURRENT ROW]".
func (w *Window) String() string {
	return "Window: " + FormatWindow(w.PartitionBy, w.OrderBy, w.Funcs)
}

// FormatWindow renders a window's partition keys, order keys and calls
// (shared by the logical and physical nodes).
func FormatWindow(partitionBy []expr.Expr, orderBy []SortKey, funcs []expr.WindowCall) string {
	var sb strings.Builder
	sb.WriteString("partition_by=[" + JoinExprs(partitionBy) + "]")
	sb.WriteString(" order_by=[" + FormatSortKeys(orderBy) + "]")
	parts := make([]string, len(funcs))
	for i, f := range funcs {
		parts[i] = f.String()
	}
	sb.WriteString(" funcs=[" + strings.Join(parts, ", ") + "]")
	return sb.String()
}
