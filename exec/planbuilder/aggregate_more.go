package planbuilder

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// moreAggregates are the aggregate functions beyond COUNT/SUM/AVG/MIN/MAX
// (the parser already spells STD/STDDEV as stddev_pop, VARIANCE as var_pop).
var moreAggregates = map[string]expr.AggFunc{
	"group_concat": expr.AggGroupConcat,
	"bit_and":      expr.AggBitAnd,
	"bit_or":       expr.AggBitOr,
	"bit_xor":      expr.AggBitXor,
	"stddev_pop":   expr.AggStddevPop,
	"stddev_samp":  expr.AggStddevSamp,
	"var_pop":      expr.AggVarPop,
	"var_samp":     expr.AggVarSamp,
}

// isMoreAggregate reports whether bindMoreAggregate handles n: the
// aggregates above and multi-argument COUNT(DISTINCT a, b).
func isMoreAggregate(n *ast.AggregateFuncExpr) bool {
	_, ok := moreAggregates[strings.ToLower(n.F)]
	return ok || (strings.EqualFold(n.F, "count") && len(n.Args) > 1)
}

// bindMoreAggregate binds GROUP_CONCAT, BIT_*, the STDDEV/VARIANCE family
// and COUNT(DISTINCT a, b, ...).
func (c *exprCtx) bindMoreAggregate(n *ast.AggregateFuncExpr) (expr.Expr, error) {
	name := strings.ToUpper(n.F)
	fn, ok := moreAggregates[strings.ToLower(n.F)]
	if !ok {
		fn = expr.AggCount
	}
	if c.aggs == nil {
		return nil, errs.Invalidf("Invalid use of group function %s in %s", name, c.clause)
	}
	inner := *c
	inner.aggs = nil // aggregates do not nest
	inner.aliases = nil
	args := n.Args
	sep := ""
	if fn == expr.AggGroupConcat {
		// The parser appends the separator (',' by default) as the last
		// argument.
		if len(args) < 2 {
			return nil, errs.Invalidf("GROUP_CONCAT needs at least one argument")
		}
		v, ok := args[len(args)-1].(*test_driver.ValueExpr)
		if !ok || v.Kind() != test_driver.KindString {
			return nil, errs.Invalidf("GROUP_CONCAT SEPARATOR must be a string constant")
		}
		sep = v.GetString()
		args = args[:len(args)-1]
	} else if n.Order != nil {
		return nil, errs.Invalidf("ORDER BY inside %s is not valid", name)
	}
	if fn != expr.AggGroupConcat && fn != expr.AggCount && len(args) != 1 {
		return nil, errs.Invalidf("%s takes one argument, got %d", name, len(args))
	}
	bound := make([]expr.Expr, len(args))
	for i, a := range args {
		e, err := inner.bind(a)
		if err != nil {
			return nil, err
		}
		bound[i] = e
	}
	var order []expr.AggOrderKey
	if n.Order != nil {
		for _, it := range n.Order.Items {
			if _, pos := it.Expr.(*ast.PositionExpr); pos {
				return nil, errs.NotImplementedf("column positions in GROUP_CONCAT's ORDER BY are not supported; name the expression")
			}
			e, err := inner.bind(it.Expr)
			if err != nil {
				return nil, err
			}
			order = append(order, expr.AggOrderKey{Expr: e, Desc: it.Desc})
		}
	}
	call, err := expr.NewAggregateCall(fn, bound, n.Distinct, order, sep)
	if err != nil {
		return nil, err
	}
	return c.aggs.addCall(call), nil
}

// bindAnyValue binds ANY_VALUE(x): in an aggregated query an aggregate
// returning some value of the group (it exempts x from ONLY_FULL_GROUP_BY,
// as in MySQL); elsewhere x itself.
func (c *exprCtx) bindAnyValue(n *ast.FuncCallExpr) (expr.Expr, error) {
	if len(n.Args) != 1 {
		return nil, errs.Invalidf("Incorrect parameter count in the call to native function 'ANY_VALUE'")
	}
	if c.aggs == nil {
		return c.bind(n.Args[0])
	}
	inner := *c
	inner.aggs = nil
	inner.aliases = nil
	arg, err := inner.bind(n.Args[0])
	if err != nil {
		return nil, err
	}
	call, err := expr.NewAggregate(expr.AggAnyValue, arg, false)
	if err != nil {
		return nil, err
	}
	return c.aggs.addCall(call), nil
}

// addCall is add for calls with MoreArgs, OrderBy or a separator: equal
// calls (same text over the same columns) share one output column.
func (a *aggCollector) addCall(call expr.AggregateCall) *aggRef {
	if len(call.MoreArgs)+len(call.OrderBy) == 0 && call.Func != expr.AggGroupConcat {
		return a.add(call)
	}
	key := string(call.Func) + "|" + call.Separator + "|"
	if call.Distinct {
		key += "D|"
	}
	for _, e := range call.Exprs() {
		key += exprKey(e) + ","
	}
	for _, k := range call.OrderBy {
		if k.Desc {
			key += "d"
		}
	}
	return a.intern(key, call)
}
