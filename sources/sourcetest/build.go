package sourcetest

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

// Helpers that build bound filters for a Harness without the planner. They
// panic on a harness mistake (unknown column), which is a test bug.

// Col is the column of s named name.
func Col(s *arrow.Schema, name string) *expr.Column {
	idx := s.FieldIndices(name)
	if len(idx) != 1 {
		panic(fmt.Sprintf("sourcetest.Col: schema %s has %d columns named %q", s, len(idx), name))
	}
	f := s.Field(idx[0])
	return &expr.Column{Index: idx[0], Name: f.Name, DataType: f.Type}
}

// Lit is a literal of type t; v follows expr.Literal's convention, except
// that a Go int is accepted for any integer type and converted.
func Lit(t arrow.DataType, v any) *expr.Literal {
	if i, ok := v.(int); ok {
		switch t.ID() {
		case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			v = uint64(i)
		case arrow.FLOAT32, arrow.FLOAT64:
			v = float64(i)
		default:
			v = int64(i)
		}
	}
	return &expr.Literal{DataType: t, Value: v}
}

// Cmp is `name op v` with v a literal of the column's own type (so no cast
// is needed).
func Cmp(s *arrow.Schema, name string, op expr.Op, v any) expr.Expr {
	c := Col(s, name)
	return &expr.Binary{Op: op, Left: c, Right: Lit(c.DataType, v), DataType: arrow.FixedWidthTypes.Boolean}
}

// IsNull is `name IS NULL`, or `name IS NOT NULL` when not is true.
func IsNull(s *arrow.Schema, name string, not bool) expr.Expr {
	return &expr.IsNull{Input: Col(s, name), Negated: not}
}

// And is `a AND b`.
func And(a, b expr.Expr) expr.Expr {
	return &expr.Binary{Op: expr.OpAnd, Left: a, Right: b, DataType: arrow.FixedWidthTypes.Boolean}
}

// Or is `a OR b`.
func Or(a, b expr.Expr) expr.Expr {
	return &expr.Binary{Op: expr.OpOr, Left: a, Right: b, DataType: arrow.FixedWidthTypes.Boolean}
}
