package physopt

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
)

// Collation makes every operator that groups, joins, sorts or partitions on
// VARCHAR values compare them under the string collation (expr's
// utf8mb4_0900_ai_ci rule: 'a' = 'A' = 'á', 'a' <> 'a '), as '=', '<', IN
// and LIKE already do. The operators themselves compare keys bytewise, so
// the rule substitutes a collation key, WEIGHT_STRING(x) (expr.NewCollationKey,
// VARBINARY), for each VARCHAR key:
//
//   - SortExec keys and WindowExec PARTITION BY / ORDER BY keys: the key is
//     only compared, never output, so it is replaced in place.
//
//   - HashJoinExec keys: replaced on both sides when both are VARCHAR (a
//     VARCHAR compared with a VARBINARY compares bytewise, as in MySQL).
//
//   - HashAggregateExec group keys (GROUP BY, DISTINCT, UNION DISTINCT):
//     the group key becomes WEIGHT_STRING(x), the group's value of x is
//     kept by an extra ANY_VALUE(x) aggregate (the first spelling seen in
//     the group), and a ProjectExec above restores the node's columns:
//     same names, order and types.
//
//   - aggregate calls: the arguments of COUNT(DISTINCT a, b, ...) and the
//     ORDER BY keys of GROUP_CONCAT.
//
// INTERSECT/EXCEPT, IN subqueries, MIN/MAX, COUNT(DISTINCT x) and
// GROUP_CONCAT(DISTINCT ...) apply the collation inside their operators.
// VARBINARY keys keep byte comparison.
//
// The rule changes results, not only speed: the engine runs it with the
// optimizer disabled too (it is one of SemanticRules). It is idempotent (keys it
// produces are VARBINARY) and never mutates its input.
type Collation struct{}

// Name implements Rule.
func (Collation) Name() string { return "Collation" }

// Rewrite implements Rule.
func (Collation) Rewrite(_ context.Context, plan physical.Plan, _ Config) (physical.Plan, bool, error) {
	// The raw-value phase of a two-phase string GROUP BY keeps its VARCHAR
	// keys on purpose; find those nodes first so a second run leaves them.
	rawPhase := map[physical.Plan]bool{}
	physical.Walk(plan, func(p physical.Plan) bool {
		if a, ok := p.(*physical.HashAggregateExec); ok && hasCollationKey(a.GroupBy) {
			if in, ok := a.Input.(*physical.HashAggregateExec); ok {
				rawPhase[in] = true
			}
		}
		return true
	})
	return physical.Transform(plan, func(p physical.Plan) (physical.Plan, bool, error) {
		if rawPhase[p] {
			return p, false, nil
		}
		switch n := p.(type) {
		case *physical.SortExec:
			keys, changed := collateSortKeys(n.Keys)
			if !changed {
				return p, false, nil
			}
			return &physical.SortExec{Input: n.Input, Keys: keys, Fetch: n.Fetch}, true, nil
		case *physical.WindowExec:
			part, c1 := collateExprs(n.PartitionBy)
			order, c2 := collateSortKeys(n.OrderBy)
			if !c1 && !c2 {
				return p, false, nil
			}
			c := *n
			c.PartitionBy, c.OrderBy = part, order
			return &c, true, nil
		case *physical.HashJoinExec:
			keys, changed := collateJoinKeys(n.Keys)
			if !changed {
				return p, false, nil
			}
			c := *n
			c.Keys = keys
			return &c, true, nil
		case *physical.HashAggregateExec:
			return collateAggregate(n)
		case *physical.ProjectExec:
			return mergeCollationProject(n)
		}
		return p, false, nil
	})
}

// collateExprs returns es with every VARCHAR expression replaced by its
// collation key, and whether any was.
func collateExprs(es []expr.Expr) ([]expr.Expr, bool) {
	var out []expr.Expr
	for i, e := range es {
		if !expr.IsCollatedString(e.Type()) {
			continue
		}
		if out == nil {
			out = append([]expr.Expr(nil), es...)
		}
		out[i] = expr.NewCollationKey(e)
	}
	if out == nil {
		return es, false
	}
	return out, true
}

func collateSortKeys(keys []logical.SortKey) ([]logical.SortKey, bool) {
	var out []logical.SortKey
	for i, k := range keys {
		if !expr.IsCollatedString(k.Expr.Type()) {
			continue
		}
		if out == nil {
			out = append([]logical.SortKey(nil), keys...)
		}
		out[i].Expr = expr.NewCollationKey(k.Expr)
	}
	if out == nil {
		return keys, false
	}
	return out, true
}

func collateJoinKeys(keys []logical.EquiKey) ([]logical.EquiKey, bool) {
	var out []logical.EquiKey
	for i, k := range keys {
		if !expr.IsCollatedString(k.Left.Type()) || !expr.IsCollatedString(k.Right.Type()) {
			continue
		}
		if out == nil {
			out = append([]logical.EquiKey(nil), keys...)
		}
		out[i].Left = expr.NewCollationKey(k.Left)
		out[i].Right = expr.NewCollationKey(k.Right)
	}
	if out == nil {
		return keys, false
	}
	return out, true
}

// collateAggregate groups n by the collation keys of its VARCHAR group
// expressions and restores its schema with a projection:
//
//	ProjectExec: s, count(*)
//	  HashAggregateExec: group_by=[weight_string(s)] aggs=[count(*), any_value(s)]
//
// Output column i of the projection is the group's ANY_VALUE for a VARCHAR
// key, else the (unchanged) group column; the aggregates follow.
func collateAggregate(n *physical.HashAggregateExec) (physical.Plan, bool, error) {
	groups, changed := collateExprs(n.GroupBy)
	calls, callsChanged := collateAggCalls(n.Aggs)
	if !changed {
		if !callsChanged {
			return n, false, nil
		}
		c := *n
		c.Aggs = calls
		return &c, true, nil
	}
	if !callsChanged && decomposable(n.Aggs) {
		return twoPhaseAggregate(n)
	}
	aggs := append(make([]expr.AggregateCall, 0, len(calls)+len(groups)), calls...)
	aggNames := append(make([]string, 0, len(n.AggNames)+len(groups)), n.AggNames...)
	nk, na := len(n.GroupBy), len(n.Aggs)
	out := make([]expr.Expr, 0, nk+na)
	names := make([]string, 0, nk+na)
	for i, g := range n.GroupBy {
		name := n.GroupNames[i]
		if groups[i] == g {
			out = append(out, &expr.Column{Index: i, Name: name, DataType: g.Type()})
		} else {
			call, err := expr.NewAggregate(expr.AggAnyValue, g, false)
			if err != nil {
				return nil, false, errs.Wrap(errs.ErrInternal, err, "collation: ANY_VALUE(%s)", g)
			}
			if !arrow.TypeEqual(call.DataType, g.Type()) {
				return nil, false, errs.Internalf("collation: ANY_VALUE(%s) is %s, not %s", g, call.DataType, g.Type())
			}
			out = append(out, &expr.Column{Index: nk + len(aggs), Name: name, DataType: g.Type()})
			aggs = append(aggs, call)
			aggNames = append(aggNames, name)
		}
		names = append(names, name)
	}
	for j, a := range n.Aggs {
		out = append(out, &expr.Column{Index: nk + j, Name: n.AggNames[j], DataType: a.DataType})
		names = append(names, n.AggNames[j])
	}
	agg := &physical.HashAggregateExec{Input: n.Input, GroupBy: groups, GroupNames: n.GroupNames, Aggs: aggs, AggNames: aggNames}
	return &physical.ProjectExec{Input: agg, Exprs: out, Names: names}, true, nil
}

// decomposable reports whether every call can run in two phases: over
// raw groups first, then merged per collation group (COUNT, SUM, AVG, MIN,
// MAX, ANY_VALUE, BIT_AND/OR/XOR without DISTINCT, extra arguments or
// ORDER BY).
func decomposable(calls []expr.AggregateCall) bool {
	for _, c := range calls {
		if len(c.MoreArgs) > 0 || len(c.OrderBy) > 0 {
			return false
		}
		switch c.Func {
		case expr.AggMin, expr.AggMax, expr.AggAnyValue:
		case expr.AggCount, expr.AggSum, expr.AggAvg, expr.AggBitAnd, expr.AggBitOr, expr.AggBitXor:
			if c.Distinct {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// twoPhaseAggregate runs a GROUP BY with VARCHAR keys whose aggregates
// decompose as two aggregations: the first groups by the raw values (bytes:
// the fast path, and usually far fewer rows out than in), the second
// merges those groups by collation key, combining the partial results
// (COUNT → SUM of counts, cast back to BIGINT; AVG → SUM of sums divided by
// SUM of counts, in AVG's type; SUM, MIN, MAX, ANY_VALUE and BIT_* of
// themselves) and keeping each group's first spelling:
//
//	ProjectExec: s, CAST(sum(count(*)) AS BIGINT) AS count(*)
//	  HashAggregateExec: group_by=[weight_string(s)] aggs=[sum(count(*)), any_value(s)]
//	    HashAggregateExec: group_by=[s] aggs=[count(*)]
func twoPhaseAggregate(n *physical.HashAggregateExec) (physical.Plan, bool, error) {
	nk := len(n.GroupBy)
	// Phase 1: the original calls, AVG split into SUM and COUNT.
	var (
		p1      []expr.AggregateCall
		p1Names []string
		at      = make([]int, len(n.Aggs)) // first phase-1 call of each original call
	)
	for j, a := range n.Aggs {
		at[j] = len(p1)
		if a.Func != expr.AggAvg {
			p1 = append(p1, a)
			p1Names = append(p1Names, n.AggNames[j])
			continue
		}
		sum, err := expr.NewAggregate(expr.AggSum, a.Arg, false)
		if err != nil {
			return nil, false, errs.Wrap(errs.ErrInternal, err, "collation: splitting %s", a)
		}
		cnt, err := expr.NewAggregate(expr.AggCount, a.Arg, false)
		if err != nil {
			return nil, false, errs.Wrap(errs.ErrInternal, err, "collation: splitting %s", a)
		}
		p1 = append(p1, sum, cnt)
		p1Names = append(p1Names, sum.String(), cnt.String())
	}
	first := &physical.HashAggregateExec{Input: n.Input, GroupBy: n.GroupBy, GroupNames: n.GroupNames, Aggs: p1, AggNames: p1Names}
	// Phase 2: merge the partial columns per collation group.
	groups := make([]expr.Expr, nk)
	aggs := make([]expr.AggregateCall, 0, len(p1)+nk)
	aggNames := append(make([]string, 0, len(p1)+nk), p1Names...)
	for k, a := range p1 {
		partial := &expr.Column{Index: nk + k, Name: p1Names[k], DataType: a.DataType}
		fn := a.Func
		if fn == expr.AggCount {
			fn = expr.AggSum
		}
		call, err := expr.NewAggregate(fn, partial, false)
		if err != nil {
			return nil, false, errs.Wrap(errs.ErrInternal, err, "collation: merging %s", a)
		}
		aggs = append(aggs, call)
	}
	out := make([]expr.Expr, 0, nk+len(n.Aggs))
	names := make([]string, 0, nk+len(n.Aggs))
	for i, g := range n.GroupBy {
		c := &expr.Column{Index: i, Name: n.GroupNames[i], DataType: g.Type()}
		groups[i] = expr.NewCollationKey(c)
		if groups[i] == expr.Expr(c) {
			out = append(out, c)
		} else {
			call, err := expr.NewAggregate(expr.AggAnyValue, c, false)
			if err != nil {
				return nil, false, errs.Wrap(errs.ErrInternal, err, "collation: ANY_VALUE(%s)", g)
			}
			out = append(out, &expr.Column{Index: nk + len(aggs), Name: n.GroupNames[i], DataType: g.Type()})
			aggs = append(aggs, call)
			aggNames = append(aggNames, n.GroupNames[i])
		}
		names = append(names, n.GroupNames[i])
	}
	merged := func(k int) expr.Expr {
		return &expr.Column{Index: nk + k, Name: aggs[k].String(), DataType: aggs[k].DataType}
	}
	for j, a := range n.Aggs {
		e := merged(at[j])
		if a.Func == expr.AggAvg {
			div, err := expr.NewBinary(expr.OpDiv, e, merged(at[j]+1))
			if err != nil {
				return nil, false, errs.Wrap(errs.ErrInternal, err, "collation: merging %s", a)
			}
			e = div
		}
		if !arrow.TypeEqual(e.Type(), a.DataType) {
			cast, err := expr.NewCast(e, a.DataType)
			if err != nil {
				return nil, false, errs.Wrap(errs.ErrInternal, err, "collation: merged %s", a)
			}
			e = cast
		}
		out = append(out, e)
		names = append(names, n.AggNames[j])
	}
	second := &physical.HashAggregateExec{Input: first, GroupBy: groups, GroupNames: n.GroupNames, Aggs: aggs, AggNames: aggNames}
	return &physical.ProjectExec{Input: second, Exprs: out, Names: names}, true, nil
}

// collateAggCalls substitutes collation keys inside aggregate calls where
// only comparisons see the values: the arguments of COUNT(DISTINCT a, b,
// ...) and the ORDER BY keys of GROUP_CONCAT. (Single-argument DISTINCT,
// MIN and MAX compare under the collation in their accumulators, and
// GROUP_CONCAT(DISTINCT ...) dedups on collation keys in its own.)
func collateAggCalls(calls []expr.AggregateCall) ([]expr.AggregateCall, bool) {
	var out []expr.AggregateCall
	for i, c := range calls {
		var args []expr.Expr
		argsChanged := false
		if c.Func == expr.AggCount && c.Distinct && len(c.MoreArgs) > 0 {
			args, argsChanged = collateExprs(append([]expr.Expr{c.Arg}, c.MoreArgs...))
		}
		var order []expr.AggOrderKey
		for j, k := range c.OrderBy {
			if !expr.IsCollatedString(k.Expr.Type()) {
				continue
			}
			if order == nil {
				order = append([]expr.AggOrderKey(nil), c.OrderBy...)
			}
			order[j].Expr = expr.NewCollationKey(k.Expr)
		}
		if !argsChanged && order == nil {
			continue
		}
		if out == nil {
			out = append([]expr.AggregateCall(nil), calls...)
		}
		if argsChanged {
			out[i].Arg, out[i].MoreArgs = args[0], args[1:]
		}
		if order != nil {
			out[i].OrderBy = order
		}
	}
	if out == nil {
		return calls, false
	}
	return out, true
}

// mergeCollationProject folds the projection collateAggregate put above an
// aggregate (columns and casts) into the ProjectExec right above it (the
// usual SELECT list), so EXPLAIN shows one projection. Other projections
// are left alone.
func mergeCollationProject(p *physical.ProjectExec) (physical.Plan, bool, error) {
	inner, ok := p.Input.(*physical.ProjectExec)
	if !ok {
		return p, false, nil
	}
	agg, ok := inner.Input.(*physical.HashAggregateExec)
	if !ok || !hasCollationKey(agg.GroupBy) {
		return p, false, nil
	}
	exprs := make([]expr.Expr, len(p.Exprs))
	for i, e := range p.Exprs {
		exprs[i] = expr.Transform(e, func(x expr.Expr) expr.Expr {
			if c, ok := x.(*expr.Column); ok && c.Index >= 0 && c.Index < len(inner.Exprs) {
				return inner.Exprs[c.Index]
			}
			return x
		})
	}
	return &physical.ProjectExec{Input: agg, Exprs: exprs, Names: p.Names}, true, nil
}

// hasCollationKey reports whether a group key is a WEIGHT_STRING call.
func hasCollationKey(es []expr.Expr) bool {
	for _, e := range es {
		if c, ok := e.(*expr.Call); ok && c.Name == expr.WeightStringFunc {
			return true
		}
	}
	return false
}
