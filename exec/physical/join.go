package physical

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
)

// HashJoinExec is an equi-join run by operator.NewHashJoin. Keys[i].Left
// binds to Left's schema, Keys[i].Right to Right's; Condition binds to the
// concatenation of both schemas (nil: none). BuildLeft says which input the
// operator holds in memory (chosen from statistics: the smaller one).
type HashJoinExec struct {
	Type        logical.JoinType
	Left, Right Plan
	Keys        []logical.EquiKey
	Condition   expr.Expr
	NullAware   bool
	BuildLeft   bool
}

// NestedLoopJoinExec is a join without equi-keys (cross products and
// non-equi conditions) run by operator.NewNestedLoopJoin; Condition binds to
// the concatenation of both schemas (nil: every pair).
type NestedLoopJoinExec struct {
	Type        logical.JoinType
	Left, Right Plan
	Condition   expr.Expr
	BuildLeft   bool
}

var (
	_ Plan = (*HashJoinExec)(nil)
	_ Plan = (*NestedLoopJoinExec)(nil)
)

func (j *HashJoinExec) Schema() *arrow.Schema {
	return logical.JoinSchema(j.Type, j.Left.Schema(), j.Right.Schema())
}
func (j *HashJoinExec) Children() []Plan { return []Plan{j.Left, j.Right} }
func (j *HashJoinExec) WithChildren(c []Plan) Plan {
	n := *j
	n.Left, n.Right = c[0], c[1]
	return &n
}

// String renders e.g. "HashJoinExec: Left keys=[a = b] condition=x < y
// build=right".
func (j *HashJoinExec) String() string {
	return "HashJoinExec: " + logical.DescribeJoin(j.Type, j.Keys, j.Condition, j.NullAware) + " build=" + side(j.BuildLeft)
}

func (j *NestedLoopJoinExec) Schema() *arrow.Schema {
	return logical.JoinSchema(j.Type, j.Left.Schema(), j.Right.Schema())
}
func (j *NestedLoopJoinExec) Children() []Plan { return []Plan{j.Left, j.Right} }
func (j *NestedLoopJoinExec) WithChildren(c []Plan) Plan {
	n := *j
	n.Left, n.Right = c[0], c[1]
	return &n
}
func (j *NestedLoopJoinExec) String() string {
	return "NestedLoopJoinExec: " + logical.DescribeJoin(j.Type, nil, j.Condition, false) + " build=" + side(j.BuildLeft)
}

func side(left bool) string {
	if left {
		return "left"
	}
	return "right"
}

// lowerJoin lowers a logical join: a HashJoinExec when it has equi-keys of
// hashable types, else a NestedLoopJoinExec with the keys folded into its
// condition. The build side is the input with fewer estimated rows
// (logical.EstimateRows); when either estimate is Absent the right input
// builds, as written. A null-aware anti join always builds its right input.
func lowerJoin(ctx context.Context, n *logical.Join, left, right Plan) (Plan, error) {
	if n.NullAware && n.Type != logical.JoinAnti {
		return nil, errs.Internalf("null-aware %s join", n.Type)
	}
	buildLeft := false
	if !n.NullAware {
		l, lp := logical.EstimateRows(ctx, n.Left)
		r, rp := logical.EstimateRows(ctx, n.Right)
		buildLeft = lp != catalog.Absent && rp != catalog.Absent && l < r
	}
	hashable := len(n.Keys) > 0
	for _, k := range n.Keys {
		lt, rt := k.Left.Type(), k.Right.Type()
		if !operator.HashJoinSupports(lt) || !operator.HashJoinSupports(rt) || !sameKeyType(lt, rt) {
			hashable = false
		}
	}
	if hashable {
		return &HashJoinExec{Type: n.Type, Left: left, Right: right, Keys: n.Keys, Condition: n.Condition, NullAware: n.NullAware, BuildLeft: buildLeft}, nil
	}
	cond, err := foldKeys(n.Keys, n.Condition, n.NullAware, n.Left.Schema().NumFields())
	if err != nil {
		return nil, err
	}
	return &NestedLoopJoinExec{Type: n.Type, Left: left, Right: right, Condition: cond, BuildLeft: buildLeft}, nil
}

func sameKeyType(a, b arrow.DataType) bool {
	if arrow.TypeEqual(a, b) {
		return true
	}
	isStr := func(t arrow.DataType) bool {
		switch t.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
			return true
		}
		return false
	}
	return isStr(a) && isStr(b)
}

// foldKeys turns equi-keys into conjuncts of a condition over the
// concatenated schema: l = r, or for NOT IN (nullAware) NOT((l = r) <=>
// FALSE), true unless the comparison is FALSE.
func foldKeys(keys []logical.EquiKey, cond expr.Expr, nullAware bool, nLeft int) (expr.Expr, error) {
	var conj []expr.Expr
	for _, k := range keys {
		e, err := expr.NewBinary(expr.OpEq, k.Left, operator.ShiftColumns(k.Right, nLeft))
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "join key %s = %s", k.Left, k.Right)
		}
		if nullAware {
			isFalse, err := expr.NewBinary(expr.OpNullSafeEq, e, expr.NewLiteral(false))
			if err != nil {
				return nil, errs.Wrap(errs.ErrInternal, err, "join key %s = %s", k.Left, k.Right)
			}
			if e, err = expr.NewNot(isFalse); err != nil {
				return nil, errs.Wrap(errs.ErrInternal, err, "join key %s = %s", k.Left, k.Right)
			}
		}
		conj = append(conj, e)
	}
	if cond != nil {
		conj = append(conj, cond)
	}
	return expr.Conjoin(conj), nil
}

func operatorJoinType(t logical.JoinType) (operator.JoinType, error) {
	switch t {
	case logical.JoinInner, logical.JoinCross:
		return operator.JoinInner, nil
	case logical.JoinLeft:
		return operator.JoinLeft, nil
	case logical.JoinRight:
		return operator.JoinRight, nil
	case logical.JoinFull:
		return operator.JoinFull, nil
	case logical.JoinSemi:
		return operator.JoinSemi, nil
	case logical.JoinAnti:
		return operator.JoinAnti, nil
	}
	return 0, errs.Internalf("unknown join type %s", t)
}

func newHashJoin(ins []operator.Operator, n *HashJoinExec, mem memory.Allocator, b *operator.Budget) (operator.Operator, error) {
	t, err := operatorJoinType(n.Type)
	if err != nil {
		return nil, err
	}
	spec := operator.JoinSpec{Type: t, Condition: n.Condition, NullAware: n.NullAware, BuildLeft: n.BuildLeft, Schema: n.Schema()}
	for _, k := range n.Keys {
		spec.LeftKeys = append(spec.LeftKeys, k.Left)
		spec.RightKeys = append(spec.RightKeys, k.Right)
	}
	return operator.NewHashJoin(ins[0], ins[1], spec, mem, b), nil
}

func newNestedLoopJoin(ins []operator.Operator, n *NestedLoopJoinExec, mem memory.Allocator, b *operator.Budget) (operator.Operator, error) {
	t, err := operatorJoinType(n.Type)
	if err != nil {
		return nil, err
	}
	spec := operator.JoinSpec{Type: t, Condition: n.Condition, BuildLeft: n.BuildLeft, Schema: n.Schema()}
	return operator.NewNestedLoopJoin(ins[0], ins[1], spec, mem, b), nil
}
