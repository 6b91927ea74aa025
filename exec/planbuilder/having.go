package planbuilder

import "github.com/quiverdb/quiver/exec/expr"

// groupKeyColumns is the set of input columns that are GROUP BY keys by
// themselves (not inside an expression); never nil, so that HAVING binds
// with MySQL's name resolution order (see exprCtx.groupCols): in
//
//	SELECT a AS b FROM t GROUP BY a HAVING b > 1
//
// b is the alias (the group key a), not the ungrouped column t.b, while in
//
//	SELECT COUNT(*) AS b FROM t GROUP BY b HAVING b > 1
//
// b is the GROUP BY column.
func groupKeyColumns(groupBy []expr.Expr) map[int]bool {
	out := make(map[int]bool, len(groupBy))
	for _, g := range groupBy {
		if c, ok := g.(*expr.Column); ok {
			out[c.Index] = true
		}
	}
	return out
}
