package physopt

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
)

// validateJoin checks a join node: keys bind to their own input and have
// matching types (STRING and LARGE_STRING mix), the condition is boolean
// over the concatenation of both inputs, and NULL-aware joins are anti
// joins building their right input.
func validateJoin(p physical.Plan) error {
	var (
		jt        logical.JoinType
		l, r      physical.Plan
		keys      []logical.EquiKey
		cond      expr.Expr
		nullAware bool
		buildLeft bool
	)
	switch n := p.(type) {
	case *physical.HashJoinExec:
		jt, l, r, keys, cond, nullAware, buildLeft = n.Type, n.Left, n.Right, n.Keys, n.Condition, n.NullAware, n.BuildLeft
		if len(keys) == 0 {
			return bad(p, "hash join without keys")
		}
	case *physical.NestedLoopJoinExec:
		jt, l, r, cond = n.Type, n.Left, n.Right, n.Condition
	default:
		return nil
	}
	if jt < logical.JoinInner || jt > logical.JoinAnti {
		return bad(p, "unknown join type %d", jt)
	}
	if nullAware && (jt != logical.JoinAnti || buildLeft) {
		return bad(p, "null-aware join must be an anti join building its right input")
	}
	ls, rs := l.Schema(), r.Schema()
	for _, k := range keys {
		if err := checkExprs(p, ls, k.Left); err != nil {
			return err
		}
		if err := checkExprs(p, rs, k.Right); err != nil {
			return err
		}
		lt, rt := k.Left.Type(), k.Right.Type()
		if !arrow.TypeEqual(lt, rt) && !(isString(lt) && isString(rt)) {
			return bad(p, "join key %s is %s but %s is %s", k.Left, lt, k.Right, rt)
		}
	}
	if cond != nil {
		return checkBoolean(p, cond, logical.JoinSchema(logical.JoinInner, ls, rs))
	}
	return nil
}

func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return true
	}
	return false
}
