package planbuilder

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/exec/expr"
)

// MySQL's ONLY_FULL_GROUP_BY accepts a non-aggregated column that is
// functionally dependent on the GROUP BY columns, and finds such
// dependencies through the equalities ANDed in WHERE: with
//
//	SELECT a, b, COUNT(*) FROM t WHERE b = 5 GROUP BY a
//	SELECT k, m FROM t WHERE m = k GROUP BY k
//
// b is constant and m equals the group key within every group (MySQL
// builds the set by induction: group columns, then y for each x = y whose
// x is in the set or a constant). Such a column reads as ANY_VALUE(column)
// over the group, which is the single value it has there. Dependencies
// through keys (PRIMARY KEY / UNIQUE) and join conditions are not
// recognized; with ROLLUP, MySQL recognizes none, and neither do we.

// groupDependencies returns, for the input columns that bound (the select
// list, HAVING and ORDER BY expressions over the input) reads outside
// aggregates and that WHERE makes functionally dependent on the group
// keys, the ANY_VALUE aggregate standing for each (added to aggs).
func (s *stmtBuilder) groupDependencies(n *ast.SelectStmt, sc *scope, groupBy []expr.Expr, aggs *aggCollector, bound []expr.Expr) (map[int]*aggRef, error) {
	if n.GroupBy == nil || n.GroupBy.Rollup || n.Where == nil || aggs == nil {
		return nil, nil
	}
	grouped := groupKeyColumns(groupBy)
	known := map[int]bool{}
	for c := range grouped {
		known[c] = true
	}
	var pairs [][2]int
	for _, conj := range splitAnd(n.Where) {
		b, ok := unparen(conj).(*ast.BinaryOperationExpr)
		if !ok || b.Op != opcode.EQ {
			continue
		}
		l, lc := fdOperand(sc, b.L)
		r, rc := fdOperand(sc, b.R)
		switch {
		case l >= 0 && r >= 0:
			pairs = append(pairs, [2]int{l, r})
		case l >= 0 && rc:
			known[l] = true
		case r >= 0 && lc:
			known[r] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, p := range pairs {
			if known[p[0]] != known[p[1]] {
				known[p[0]], known[p[1]], changed = true, true, true
			}
		}
	}
	var out map[int]*aggRef
	var err error
	for _, e := range bound {
		if e == nil {
			continue
		}
		expr.Walk(e, func(x expr.Expr) bool {
			c, ok := x.(*expr.Column)
			if !ok || grouped[c.Index] || !known[c.Index] || out[c.Index] != nil || err != nil {
				return err == nil
			}
			var call expr.AggregateCall
			if call, err = expr.NewAggregate(expr.AggAnyValue, &expr.Column{Index: c.Index, Name: c.Name, DataType: c.DataType}, false); err != nil {
				return false
			}
			if out == nil {
				out = map[int]*aggRef{}
			}
			out[c.Index] = aggs.add(call)
			return true
		})
	}
	return out, err
}

func unparen(n ast.ExprNode) ast.ExprNode {
	for {
		p, ok := n.(*ast.ParenthesesExpr)
		if !ok {
			return n
		}
		n = p.Expr
	}
}

// fdOperand classifies one side of a WHERE equality: an input column (its
// index), a non-NULL literal (constant), or neither (-1, false).
func fdOperand(sc *scope, n ast.ExprNode) (col int, constant bool) {
	switch x := unparen(n).(type) {
	case *ast.ColumnNameExpr:
		if i, err := sc.resolve(x.Name, "where clause"); err == nil {
			return i, false
		}
	case *test_driver.ValueExpr:
		return -1, x.Kind() != test_driver.KindNull
	}
	return -1, false
}
