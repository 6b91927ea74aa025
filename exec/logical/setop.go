package logical

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Union concatenates its inputs' rows (UNION ALL); UNION DISTINCT is an
// Aggregate grouping every column over a Union. Every input has the same
// number of columns with identical types (the plan builder casts each
// branch to the unified types); the output takes its column names from Out.
// Rows come in no particular order.
type Union struct {
	Inputs []Plan
	// Out is the output schema: the first input's names, unified types,
	// every column nullable.
	Out *arrow.Schema
}

// SetOpKind is INTERSECT or EXCEPT.
type SetOpKind int

// Set operation kinds (UNION is its own node).
const (
	SetIntersect SetOpKind = iota
	SetExcept
)

func (k SetOpKind) String() string {
	if k == SetExcept {
		return "EXCEPT"
	}
	return "INTERSECT"
}

// SetOp is Left INTERSECT/EXCEPT Right with MySQL 8.0.31 semantics: rows
// compare as whole tuples and NULLs are equal to each other (not
// three-valued). DISTINCT (All false) returns each qualifying distinct row
// once; ALL uses multiset counts: a row occurring m times on the left and
// n times on the right appears min(m, n) times (INTERSECT ALL) or
// max(m-n, 0) times (EXCEPT ALL). Both inputs have identical column types;
// the output is Left's rows, named by Out.
type SetOp struct {
	Kind        SetOpKind
	All         bool
	Left, Right Plan
	Out         *arrow.Schema
}

var (
	_ Plan = (*Union)(nil)
	_ Plan = (*SetOp)(nil)
)

// ---- Union

func (u *Union) Schema() *arrow.Schema { return u.Out }
func (u *Union) Children() []Plan      { return u.Inputs }
func (u *Union) WithChildren(c []Plan) Plan {
	return &Union{Inputs: append([]Plan(nil), c...), Out: u.Out}
}
func (u *Union) String() string {
	return "Union: all inputs=" + fmt.Sprint(len(u.Inputs)) + " columns=[" + fieldNames(u.Out) + "]"
}

// ---- SetOp

func (s *SetOp) Schema() *arrow.Schema { return s.Out }
func (s *SetOp) Children() []Plan      { return []Plan{s.Left, s.Right} }
func (s *SetOp) WithChildren(c []Plan) Plan {
	return &SetOp{Kind: s.Kind, All: s.All, Left: c[0], Right: c[1], Out: s.Out}
}
func (s *SetOp) String() string {
	mode := "distinct"
	if s.All {
		mode = "all"
	}
	return "SetOp: " + s.Kind.String() + " " + mode + " columns=[" + fieldNames(s.Out) + "]"
}

func fieldNames(s *arrow.Schema) string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}
