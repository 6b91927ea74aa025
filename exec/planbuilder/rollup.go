package planbuilder

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// GROUP BY k1, ..., kn WITH ROLLUP (MySQL 8 semantics) adds super-aggregate
// rows: for each prefix k1..kL (L = n-1 down to 0) one row per distinct
// prefix, with NULL in the rolled-up keys k(L+1)..kn and the aggregates
// computed over the whole prefix group. GROUPING(k) is 1 in a row where k
// was rolled up (its NULL is a super-aggregate NULL) and 0 otherwise;
// GROUPING(a, b, ...) packs the flags into an integer, a's bit highest.
//
// It is planned as a UNION ALL of n+1 aggregations of the same input, one
// per prefix length L, each projecting NULLs for the rolled-up keys and L
// itself as a hidden level column after the aggregates (GROUPING reads it:
// key i is rolled up where level <= i). Every aggregate, DISTINCT ones
// included, is computed exactly, with no merge step; the price is reading
// the input n+1 times. The grand total (L = 0) keeps MySQL's behaviour
// over an empty input: no row at all.
//
// Without ORDER BY, the rows come in the order MySQL produces them: sorted
// by the keys, each super-aggregate row after the rows it sums up (sort by
// GROUPING(k1), k1, GROUPING(k2), k2, ...; NULL keys first, as MySQL).

// groupingRef is GROUPING(args) while a clause binds; args bind over the
// SELECT's input and must be GROUP BY keys. Like aggRef it never leaves the
// builder: the group rewrite replaces it (groupRewriter.rewrite).
type groupingRef struct {
	args []expr.Expr
}

func (r *groupingRef) Type() arrow.DataType { return expr.TypeInt64 }
func (r *groupingRef) String() string {
	parts := make([]string, len(r.args))
	for i, a := range r.args {
		parts[i] = a.String()
	}
	return "grouping(" + strings.Join(parts, ", ") + ")"
}

// Children is empty: the arguments are group keys, resolved by position in
// the group rewrite, never evaluated.
func (r *groupingRef) Children() []expr.Expr                 { return nil }
func (r *groupingRef) WithChildren(ch []expr.Expr) expr.Expr { return r }

// Fingerprint identifies the call by its arguments (see expr.Fingerprint).
func (r *groupingRef) Fingerprint() string {
	parts := make([]string, len(r.args))
	for i, a := range r.args {
		parts[i] = exprKey(a)
	}
	return "grouping(" + strings.Join(parts, ",") + ")"
}

// bindGrouping binds GROUPING(expr, ...). It is allowed where aggregates
// are (select list, HAVING, ORDER BY of a grouped query).
func (c *exprCtx) bindGrouping(n *ast.FuncCallExpr) (expr.Expr, error) {
	if c.aggs == nil {
		return nil, errs.Invalidf("Invalid use of GROUPING function in %s: it is allowed only in the select list, HAVING and ORDER BY of GROUP BY ... WITH ROLLUP", c.clause)
	}
	if len(n.Args) == 0 || len(n.Args) > 63 {
		return nil, errs.Invalidf("GROUPING takes 1 to 63 arguments (one bit each of a BIGINT), got %d", len(n.Args))
	}
	ac := *c
	ac.aggs = nil // GROUPING's arguments are keys, not aggregates
	r := &groupingRef{args: make([]expr.Expr, len(n.Args))}
	for i, a := range n.Args {
		e, err := ac.bind(a)
		if err != nil {
			return nil, err
		}
		r.args[i] = e
	}
	return r, nil
}

// checkGrouping validates the GROUPING calls of the bound clauses against
// the GROUP BY keys before the group rewrite: every argument must be a key
// and the query must roll up.
func checkGrouping(rollup bool, g *groupRewriter, es ...expr.Expr) error {
	var err error
	for _, e := range es {
		if e == nil || err != nil {
			continue
		}
		expr.Walk(e, func(n expr.Expr) bool {
			r, ok := n.(*groupingRef)
			if !ok || err != nil {
				return err == nil
			}
			if !rollup {
				err = errs.Invalidf("Invalid use of GROUPING function: %s needs GROUP BY ... WITH ROLLUP", r.String())
				return false
			}
			for i, a := range r.args {
				if _, ok := g.groupKeys[exprKey(a)]; !ok {
					err = errs.Invalidf("Argument #%d of GROUPING function is not in GROUP BY", i+1)
					return false
				}
			}
			return true
		})
	}
	return err
}

// groupingExpr is GROUPING(args) over the rollup's output, whose level
// column (the number of keys not rolled up) is at g.levelCol.
func (g *groupRewriter) groupingExpr(r *groupingRef) (expr.Expr, error) {
	if g.levelCol < 0 {
		return nil, errs.Invalidf("Invalid use of GROUPING function: %s needs GROUP BY ... WITH ROLLUP", r.String())
	}
	level := &expr.Column{Index: g.levelCol, Name: "rollup_level", DataType: expr.TypeInt64}
	var out expr.Expr
	for j, a := range r.args {
		i, ok := g.groupKeys[exprKey(a)]
		if !ok {
			return nil, errs.Invalidf("Argument #%d of GROUPING function is not in GROUP BY", j+1)
		}
		rolled, err := expr.NewBinary(expr.OpLtEq, level, expr.NewLiteral(int64(i)))
		if err != nil {
			return nil, err
		}
		bit := int64(1) << (len(r.args) - 1 - j)
		flag, err := expr.NewCase([]expr.When{{Cond: rolled, Then: expr.NewLiteral(bit)}}, expr.NewLiteral(int64(0)))
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = flag
		} else if out, err = expr.NewBinary(expr.OpAdd, out, flag); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// buildRollup plans GROUP BY groupBy WITH ROLLUP over input. The output is
// the aggregate's (keys, then aggregates) followed by the level column;
// sorted as MySQL returns it when sorted is set.
func buildRollup(input logical.Plan, groupBy []expr.Expr, groupNames []string, aggs []expr.AggregateCall, aggNames []string, sorted bool) (logical.Plan, error) {
	n := len(groupBy)
	fields := make([]arrow.Field, 0, n+len(aggs)+1)
	for i, k := range groupBy {
		fields = append(fields, arrow.Field{Name: groupNames[i], Type: k.Type(), Nullable: true})
	}
	for j, a := range aggs {
		fields = append(fields, arrow.Field{Name: aggNames[j], Type: a.DataType, Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "rollup_level", Type: expr.TypeInt64, Nullable: true})
	out := arrow.NewSchema(fields, nil)

	branches := make([]logical.Plan, 0, n+1)
	for level := n; level >= 0; level-- {
		b, err := rollupBranch(input, groupBy, groupNames, aggs, aggNames, level)
		if err != nil {
			return nil, err
		}
		branches = append(branches, b)
	}
	var plan logical.Plan = &logical.Union{Inputs: branches, Out: out}
	if !sorted {
		return plan, nil
	}
	levelCol := &expr.Column{Index: n + len(aggs), Name: "rollup_level", DataType: expr.TypeInt64}
	keys := make([]logical.SortKey, 0, 2*n)
	for i := 0; i < n; i++ {
		rolled, err := expr.NewBinary(expr.OpLtEq, levelCol, expr.NewLiteral(int64(i)))
		if err != nil {
			return nil, err
		}
		keys = append(keys,
			logical.SortKey{Expr: rolled},
			logical.SortKey{Expr: &expr.Column{Index: i, Name: groupNames[i], DataType: groupBy[i].Type()}, NullsFirst: true})
	}
	return &logical.Sort{Input: plan, Keys: keys}, nil
}

// rollupBranch aggregates input by the first level keys and projects the
// rollup's row shape: the kept keys, NULLs for the others, the aggregates
// and the level.
func rollupBranch(input logical.Plan, groupBy []expr.Expr, groupNames []string, aggs []expr.AggregateCall, aggNames []string, level int) (logical.Plan, error) {
	n := len(groupBy)
	calls := aggs
	names := aggNames
	if level == 0 {
		// The grand total over no rows is no row (MySQL), not the one row
		// an aggregate without GROUP BY gives: count the rows and drop it.
		cnt, err := expr.NewAggregate(expr.AggCount, nil, false)
		if err != nil {
			return nil, err
		}
		calls = append(append([]expr.AggregateCall{}, aggs...), cnt)
		names = append(append([]string{}, aggNames...), "rollup_rows")
	}
	var plan logical.Plan = &logical.Aggregate{Input: input, GroupBy: groupBy[:level], GroupNames: groupNames[:level], Aggs: calls, AggNames: names}
	if level == 0 {
		rows := &expr.Column{Index: len(aggs), Name: "rollup_rows", DataType: expr.TypeInt64}
		nonEmpty, err := expr.NewBinary(expr.OpGt, rows, expr.NewLiteral(int64(0)))
		if err != nil {
			return nil, err
		}
		plan = &logical.Filter{Input: plan, Predicate: nonEmpty}
	}
	exprs := make([]expr.Expr, 0, n+len(aggs)+1)
	outNames := make([]string, 0, n+len(aggs)+1)
	for i, k := range groupBy {
		if i < level {
			exprs = append(exprs, &expr.Column{Index: i, Name: groupNames[i], DataType: k.Type()})
		} else {
			exprs = append(exprs, expr.Null(k.Type()))
		}
		outNames = append(outNames, groupNames[i])
	}
	for j, a := range aggs {
		exprs = append(exprs, &expr.Column{Index: level + j, Name: aggNames[j], DataType: a.DataType})
		outNames = append(outNames, aggNames[j])
	}
	exprs = append(exprs, expr.NewLiteral(int64(level)))
	outNames = append(outNames, "rollup_level")
	return &logical.Project{Input: plan, Exprs: exprs, Names: outNames}, nil
}

// aggregate plans the SELECT's aggregation over input: a plain Aggregate,
// or the ROLLUP union (which also sets g.levelCol for GROUPING). The
// GROUPING calls in the bound select items, HAVING and ORDER BY keys are
// checked first.
func (g *groupRewriter) aggregate(n *ast.SelectStmt, input logical.Plan, aggs []expr.AggregateCall, aggNames []string, items []selectItem, having expr.Expr, order []expr.Expr) (logical.Plan, error) {
	rollup := n.GroupBy != nil && n.GroupBy.Rollup
	bound := append([]expr.Expr{having}, order...)
	for _, it := range items {
		bound = append(bound, it.e)
	}
	if err := checkGrouping(rollup, g, bound...); err != nil {
		return nil, err
	}
	if !rollup {
		return &logical.Aggregate{Input: input, GroupBy: g.groupBy, GroupNames: g.groupNames, Aggs: aggs, AggNames: aggNames}, nil
	}
	g.levelCol = len(g.groupBy) + len(aggs)
	return buildRollup(input, g.groupBy, g.groupNames, aggs, aggNames, n.OrderBy == nil)
}
