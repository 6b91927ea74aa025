package optimizer

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// ConstantFolding evaluates constant sub-expressions once (expr.Fold) and
// simplifies boolean logic with literal operands (x AND TRUE → x, FALSE AND
// x → FALSE, x OR FALSE → x, TRUE OR x → TRUE, NOT TRUE → FALSE). A Filter
// whose predicate folds to TRUE disappears; to FALSE or NULL it becomes an
// empty Values with the same schema. A constant that fails to evaluate
// (say 1 DIV 0 inside a CASE arm that never runs) is left for run time.
// Scan filters are left alone: they were negotiated with the table as
// they are.
type ConstantFolding struct{}

// Name implements Rule.
func (ConstantFolding) Name() string { return "constant_folding" }

// Rewrite implements Rule.
func (ConstantFolding) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	return transformUp(ctx, p, func(n logical.Plan) (logical.Plan, bool, error) {
		return foldNode(ctx, n)
	})
}

func foldNode(ctx context.Context, n logical.Plan) (logical.Plan, bool, error) {
	switch n := n.(type) {
	case *logical.Filter:
		pred, changed := foldExpr(ctx, n.Predicate)
		if l, ok := pred.(*expr.Literal); ok {
			if b, isBool := l.Value.(bool); isBool && b {
				return n.Input, true, nil
			}
			if l.Value == nil || l.Value == false {
				return &logical.Values{Out: n.Schema(), Rows: nil}, true, nil
			}
		}
		if !changed {
			return n, false, nil
		}
		return &logical.Filter{Input: n.Input, Predicate: pred}, true, nil
	case *logical.Project:
		exprs, changed := foldList(ctx, n.Exprs)
		if !changed {
			return n, false, nil
		}
		return &logical.Project{Input: n.Input, Exprs: exprs, Names: n.Names}, true, nil
	case *logical.Aggregate:
		groups, changed := foldList(ctx, n.GroupBy)
		aggs := n.Aggs
		copied := false
		for i, a := range n.Aggs {
			if a.Arg == nil {
				continue
			}
			if arg, c := foldExpr(ctx, a.Arg); c {
				if !copied {
					aggs, copied = append([]expr.AggregateCall(nil), n.Aggs...), true
				}
				aggs[i].Arg = arg
				changed = true
			}
		}
		if !changed {
			return n, false, nil
		}
		c := *n
		c.GroupBy, c.Aggs = groups, aggs
		return &c, true, nil
	case *logical.Sort:
		var keys []logical.SortKey
		for i, k := range n.Keys {
			if e, c := foldExpr(ctx, k.Expr); c {
				if keys == nil {
					keys = append([]logical.SortKey(nil), n.Keys...)
				}
				keys[i].Expr = e
			}
		}
		if keys == nil {
			return n, false, nil
		}
		return &logical.Sort{Input: n.Input, Keys: keys}, true, nil
	case *logical.Values:
		var rows [][]expr.Expr
		for i, row := range n.Rows {
			if r, c := foldList(ctx, row); c {
				if rows == nil {
					rows = append([][]expr.Expr(nil), n.Rows...)
				}
				rows[i] = r
			}
		}
		if rows == nil {
			return n, false, nil
		}
		return &logical.Values{Out: n.Out, Rows: rows}, true, nil
	}
	return n, false, nil
}

func foldList(ctx context.Context, es []expr.Expr) ([]expr.Expr, bool) {
	var out []expr.Expr
	for i, e := range es {
		if f, c := foldExpr(ctx, e); c {
			if out == nil {
				out = append([]expr.Expr(nil), es...)
			}
			out[i] = f
		}
	}
	if out == nil {
		return es, false
	}
	return out, true
}

// foldExpr folds e bottom-up and reports whether anything changed.
func foldExpr(ctx context.Context, e expr.Expr) (expr.Expr, bool) {
	changed := false
	out := expr.Transform(e, func(n expr.Expr) expr.Expr {
		if r := simplifyBool(n); r != n {
			changed = true
			return r
		}
		if _, isLit := n.(*expr.Literal); isLit || !expr.IsConstant(n) {
			return n
		}
		f, c, err := expr.Fold(ctx, n)
		if err != nil || !c {
			return n
		}
		if _, isLit := f.(*expr.Literal); !isLit {
			return n
		}
		changed = true
		return f
	})
	// Transform rebuilds parents of changed children even when f returns
	// them unchanged; identity tells whether anything really changed.
	return out, changed || out != e
}

func boolValue(e expr.Expr) (value, isLit bool) {
	l, ok := e.(*expr.Literal)
	if !ok || l.DataType.ID() != arrow.BOOL {
		return false, false
	}
	b, ok := l.Value.(bool)
	return b, ok
}

func isBoolTyped(e expr.Expr) bool { return e.Type().ID() == arrow.BOOL }

// simplifyBool applies the identities of Kleene logic with one literal
// operand. Only a BOOLEAN operand may replace the whole expression (an
// integer operand would change the result type).
func simplifyBool(n expr.Expr) expr.Expr {
	switch b := n.(type) {
	case *expr.Binary:
		if b.Op != expr.OpAnd && b.Op != expr.OpOr {
			return n
		}
		lv, lLit := boolValue(b.Left)
		rv, rLit := boolValue(b.Right)
		if b.Op == expr.OpAnd {
			switch {
			case lLit && !lv, rLit && !rv: // FALSE AND x is FALSE even for NULL x
				return &expr.Literal{DataType: arrow.FixedWidthTypes.Boolean, Value: false}
			case lLit && lv && isBoolTyped(b.Right):
				return b.Right
			case rLit && rv && isBoolTyped(b.Left):
				return b.Left
			}
		} else {
			switch {
			case lLit && lv, rLit && rv: // TRUE OR x is TRUE even for NULL x
				return &expr.Literal{DataType: arrow.FixedWidthTypes.Boolean, Value: true}
			case lLit && !lv && isBoolTyped(b.Right):
				return b.Right
			case rLit && !rv && isBoolTyped(b.Left):
				return b.Left
			}
		}
	case *expr.Not:
		if v, ok := boolValue(b.Input); ok {
			return &expr.Literal{DataType: arrow.FixedWidthTypes.Boolean, Value: !v}
		}
	}
	return n
}
