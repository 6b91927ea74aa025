package optimizer

import (
	"context"
	"strings"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// PredicatePushdown moves filters towards the scans. A Filter's predicate
// is split into its conjuncts, which then:
//   - merge with a Filter below;
//   - pass a Project (rewritten in terms of the projection's input) unless
//     they would re-evaluate a volatile function;
//   - pass a Sort;
//   - pass an Aggregate only when they read group-by columns alone (and the
//     Aggregate has a GROUP BY: over a global aggregate even a constant
//     filter must stay above, since it yields a row for empty input);
//   - never pass a Limit (that would change which rows are kept);
//   - go into every branch of a UNION ALL;
//   - pass a Window when they read only its plain PARTITION BY columns;
//   - pass a SubqueryJoin when they read only its input's columns;
//   - at a Scan, are negotiated with the table (catalog.FilterPushdowner,
//     columns remapped to the table's full schema): Exact conjuncts go to
//     Scan.FullFilters and leave the Filter above; Inexact ones go to
//     PartialFilters and stay above too; Unsupported ones (every conjunct
//     for a table without the ability) are recorded in Unsupported for
//     EXPLAIN and stay above.
//
// Conjuncts already recorded at a scan are not negotiated again, which
// makes the rule idempotent. A scan with a pushed limit takes no filters.
type PredicatePushdown struct{}

// Name implements Rule.
func (PredicatePushdown) Name() string { return "predicate_pushdown" }

// Rewrite implements Rule.
func (r PredicatePushdown) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	if f, ok := p.(*logical.Filter); ok {
		np, changed, err := pushFilter(f)
		if err != nil {
			return nil, false, err
		}
		if changed {
			// Keep pushing from the new position.
			np2, _, err := r.Rewrite(ctx, np)
			return np2, true, err
		}
	}
	ch := p.Children()
	if len(ch) == 0 {
		return p, false, nil
	}
	nc := make([]logical.Plan, len(ch))
	changed := false
	for i, c := range ch {
		n, cc, err := r.Rewrite(ctx, c)
		if err != nil {
			return nil, false, err
		}
		nc[i] = n
		changed = changed || cc
	}
	if !changed {
		return p, false, nil
	}
	return p.WithChildren(nc), true, nil
}

// withFilter puts the conjuncts (if any) in a Filter over in.
func withFilter(in logical.Plan, conj []expr.Expr) logical.Plan {
	if len(conj) == 0 {
		return in
	}
	return &logical.Filter{Input: in, Predicate: expr.Conjoin(conj)}
}

// pushFilter moves f one step down, if it can.
func pushFilter(f *logical.Filter) (logical.Plan, bool, error) {
	conj := expr.SplitConjunction(f.Predicate)
	switch in := f.Input.(type) {
	case *logical.Filter:
		merged := append(expr.SplitConjunction(in.Predicate), conj...)
		return withFilter(in.Input, merged), true, nil
	case *logical.Sort:
		return &logical.Sort{Input: withFilter(in.Input, conj), Keys: in.Keys}, true, nil
	case *logical.Project:
		var below, above []expr.Expr
		for _, c := range conj {
			if e, ok := substitute(c, in.Exprs); ok {
				below = append(below, e)
			} else {
				above = append(above, c)
			}
		}
		if len(below) == 0 {
			return f, false, nil
		}
		np := &logical.Project{Input: withFilter(in.Input, below), Exprs: in.Exprs, Names: in.Names}
		return withFilter(np, above), true, nil
	case *logical.Aggregate:
		if len(in.GroupBy) == 0 {
			return f, false, nil
		}
		var below, above []expr.Expr
		for _, c := range conj {
			if readsOnly(c, len(in.GroupBy)) {
				if e, ok := substitute(c, in.GroupBy); ok {
					below = append(below, e)
					continue
				}
			}
			above = append(above, c)
		}
		if len(below) == 0 {
			return f, false, nil
		}
		na := *in
		na.Input = withFilter(in.Input, below)
		return withFilter(&na, above), true, nil
	case *logical.Join:
		return pushFilterIntoJoin(f, in)
	case *logical.Scan:
		return pushIntoScan(f, in, conj)
	case *logical.Union:
		return pushIntoUnion(f, in, conj)
	case *logical.Window:
		return pushBelowWindow(f, in, conj)
	case *logical.SubqueryJoin:
		return pushBelowSubqueryJoin(f, in, conj)
	}
	return f, false, nil
}

// pushIntoUnion copies every non-volatile conjunct into each branch of a
// UNION ALL (branches have the Union's column types, position for
// position, so the conjunct binds to each unchanged). Volatile conjuncts
// stay above: evaluating rand() once per branch is still once per row, but
// keeping them above keeps the rule's contract simple.
func pushIntoUnion(f *logical.Filter, u *logical.Union, conj []expr.Expr) (logical.Plan, bool, error) {
	var below, above []expr.Expr
	for _, c := range conj {
		if isVolatile(c) {
			above = append(above, c)
		} else {
			below = append(below, c)
		}
	}
	if len(below) == 0 {
		return f, false, nil
	}
	inputs := make([]logical.Plan, len(u.Inputs))
	for i, in := range u.Inputs {
		inputs[i] = withFilter(in, below)
	}
	return withFilter(&logical.Union{Inputs: inputs, Out: u.Out}, above), true, nil
}

// pushBelowWindow moves conjuncts that read only columns the Window
// partitions by (plain column keys) below it: such a filter keeps or drops
// whole partitions, so the window values of the rows it keeps are
// unchanged. Anything else (a window output, an ORDER BY column) stays.
func pushBelowWindow(f *logical.Filter, w *logical.Window, conj []expr.Expr) (logical.Plan, bool, error) {
	partCols := map[int]bool{}
	for _, e := range w.PartitionBy {
		if c, ok := e.(*expr.Column); ok {
			partCols[c.Index] = true
		}
	}
	var below, above []expr.Expr
	for _, c := range conj {
		ok := !isVolatile(c)
		for _, col := range expr.ColumnsUsed(c) {
			ok = ok && partCols[col]
		}
		if ok && len(expr.ColumnsUsed(c)) > 0 {
			below = append(below, c)
		} else {
			above = append(above, c)
		}
	}
	if len(below) == 0 {
		return f, false, nil
	}
	return withFilter(w.WithChildren([]logical.Plan{withFilter(w.Input, below)}), above), true, nil
}

// pushBelowSubqueryJoin moves conjuncts that read only the input's columns
// below a SubqueryJoin: it extends each input row with a column and
// neither drops nor repeats rows, and its subquery does not depend on the
// input.
func pushBelowSubqueryJoin(f *logical.Filter, sj *logical.SubqueryJoin, conj []expr.Expr) (logical.Plan, bool, error) {
	w := sj.Input.Schema().NumFields()
	var below, above []expr.Expr
	for _, c := range conj {
		if readsOnly(c, w) && !isVolatile(c) {
			below = append(below, c)
		} else {
			above = append(above, c)
		}
	}
	if len(below) == 0 {
		return f, false, nil
	}
	return withFilter(sj.WithChildren([]logical.Plan{withFilter(sj.Input, below), sj.Subquery}), above), true, nil
}

// readsOnly reports whether e reads only columns below n.
func readsOnly(e expr.Expr, n int) bool {
	for _, c := range expr.ColumnsUsed(e) {
		if c >= n {
			return false
		}
	}
	return true
}

// substitute replaces each Column i of e with defs[i]. It refuses when that
// would duplicate a volatile call (rand() evaluated twice differs).
func substitute(e expr.Expr, defs []expr.Expr) (expr.Expr, bool) {
	ok := true
	for _, c := range expr.ColumnsUsed(e) {
		if c < 0 || c >= len(defs) || isVolatile(defs[c]) {
			ok = false
		}
	}
	if !ok || isVolatile(e) {
		return nil, false
	}
	return expr.Transform(e, func(n expr.Expr) expr.Expr {
		if c, isCol := n.(*expr.Column); isCol {
			return defs[c.Index]
		}
		return n
	}), true
}

// volatileFuncs are functions whose result changes between evaluations.
var volatileFuncs = map[string]bool{
	"rand": true, "uuid": true, "uuid_short": true, "sysdate": true,
	"now": true, "current_timestamp": true, "unix_timestamp": true, "sleep": true,
}

func isVolatile(e expr.Expr) bool {
	v := false
	expr.Walk(e, func(n expr.Expr) bool {
		if c, ok := n.(*expr.Call); ok && volatileFuncs[strings.ToLower(c.Name)] {
			v = true
		}
		return !v
	})
	return v
}

// pushIntoScan negotiates the conjuncts not yet recorded at the scan.
func pushIntoScan(f *logical.Filter, s *logical.Scan, conj []expr.Expr) (logical.Plan, bool, error) {
	if s.Limit >= 0 {
		return f, false, nil
	}
	known := map[string]bool{}
	for _, e := range s.PartialFilters {
		known[exprKey(e)] = true
	}
	for _, e := range s.Unsupported {
		known[exprKey(e)] = true
	}
	// Remap scan-output columns to the table's full schema.
	var mapping map[int]int
	if s.Projection != nil {
		mapping = make(map[int]int, len(s.Projection))
		for i, t := range s.Projection {
			mapping[i] = t
		}
	}
	var fresh, freshOut []expr.Expr // table-bound, and scan-output-bound
	var keep []expr.Expr            // stays above, not negotiated
	for _, c := range conj {
		if expr.IsConstant(c) || isVolatile(c) {
			keep = append(keep, c)
			continue
		}
		tc := c
		if mapping != nil {
			tc = expr.Remap(c, mapping)
		}
		if known[exprKey(tc)] {
			keep = append(keep, c)
			continue
		}
		known[exprKey(tc)] = true
		fresh = append(fresh, tc)
		freshOut = append(freshOut, c)
	}
	if len(fresh) == 0 {
		return f, false, nil
	}
	verdicts := make([]catalog.Verdict, len(fresh)) // all Unsupported
	if fp, ok := s.Table.(catalog.FilterPushdowner); ok {
		v, err := fp.SupportsFilters(fresh)
		if err != nil {
			return nil, false, errs.Wrap(err, err, "filter pushdown into %s", s.Name)
		}
		if len(v) != len(fresh) {
			return nil, false, errs.Internalf("table %s returned %d filter verdicts for %d filters", s.Name, len(v), len(fresh))
		}
		verdicts = v
	}
	ns := *s
	ns.FullFilters = append([]expr.Expr(nil), s.FullFilters...)
	ns.PartialFilters = append([]expr.Expr(nil), s.PartialFilters...)
	ns.Unsupported = append([]expr.Expr(nil), s.Unsupported...)
	for i, v := range verdicts {
		switch v {
		case catalog.FilterExact:
			ns.FullFilters = append(ns.FullFilters, fresh[i])
		case catalog.FilterInexact:
			ns.PartialFilters = append(ns.PartialFilters, fresh[i])
			keep = append(keep, freshOut[i])
		default:
			ns.Unsupported = append(ns.Unsupported, fresh[i])
			keep = append(keep, freshOut[i])
		}
	}
	return withFilter(&ns, keep), true, nil
}
