package planbuilder

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// aggCollector gathers the distinct aggregate calls of one SELECT, in
// first-use order. Equal calls (same function, argument and DISTINCT) share
// one output column.
type aggCollector struct {
	calls []expr.AggregateCall
	refs  []*aggRef
	keys  map[string]int
}

func (a *aggCollector) add(call expr.AggregateCall) *aggRef {
	key := string(call.Func) + "|" + fmt.Sprint(call.Distinct) + "|"
	if call.Arg != nil {
		key += exprKey(call.Arg)
	}
	return a.intern(key, call)
}

// intern returns the aggRef of the call collected under key, collecting
// call under key first when there is none (calls with equal keys share one
// output column).
func (a *aggCollector) intern(key string, call expr.AggregateCall) *aggRef {
	if a.keys == nil {
		a.keys = map[string]int{}
	}
	if i, ok := a.keys[key]; ok {
		return a.refs[i]
	}
	r := &aggRef{idx: len(a.calls), call: call}
	a.keys[key] = r.idx
	a.calls = append(a.calls, call)
	a.refs = append(a.refs, r)
	return r
}

// aggRef stands for an aggregate's result while a SELECT is being bound; it
// never leaves the builder (groupRewriter replaces it with a Column of the
// Aggregate's output).
type aggRef struct {
	idx  int
	call expr.AggregateCall
}

func (r *aggRef) Type() arrow.DataType                  { return r.call.DataType }
func (r *aggRef) String() string                        { return r.call.String() }
func (r *aggRef) Children() []expr.Expr                 { return nil }
func (r *aggRef) WithChildren(ch []expr.Expr) expr.Expr { return r }

// Fingerprint identifies the aggregate by its slot (see expr.Fingerprint).
func (r *aggRef) Fingerprint() string { return fmt.Sprintf("agg#%d", r.idx) }

// exprKey is expr.Fingerprint; aggRef placeholders fingerprint by slot.
func exprKey(e expr.Expr) string { return expr.Fingerprint(e) }

// containsAgg reports whether a bound expression uses an aggregate.
func containsAgg(e expr.Expr) bool {
	found := false
	expr.Walk(e, func(n expr.Expr) bool {
		if _, ok := n.(*aggRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// groupRewriter rebinds expressions over a SELECT's input (with aggRefs)
// to the Aggregate's output: group-by expressions become their group
// column, aggregates their aggregate column. A column of the input left
// over is not grouped: the ONLY_FULL_GROUP_BY error.
type groupRewriter struct {
	groupKeys  map[string]int
	groupBy    []expr.Expr
	groupNames []string
	sc         *scope // the input scope, for error messages
	// levelCol is the output column of a ROLLUP's level (rollup.go), or
	// -1 without ROLLUP.
	levelCol int
	// deps maps input columns that WHERE makes functionally dependent on
	// the group keys to the ANY_VALUE aggregate read in their place
	// (groupfd.go); nil when there are none.
	deps map[int]*aggRef
}

var errNotGrouped = errors.New("not grouped")

// rewrite returns e over the Aggregate's output; for an ungrouped column it
// returns errNotGrouped and that column.
func (g *groupRewriter) rewrite(e expr.Expr) (expr.Expr, *expr.Column, error) {
	if i, ok := g.groupKeys[exprKey(e)]; ok {
		return &expr.Column{Index: i, Name: g.groupNames[i], DataType: g.groupBy[i].Type()}, nil, nil
	}
	switch n := e.(type) {
	case *aggRef:
		return &expr.Column{Index: len(g.groupBy) + n.idx, Name: n.call.String(), DataType: n.call.DataType}, nil, nil
	case *groupingRef:
		// checkGrouping has validated the call (rollup.go).
		r, err := g.groupingExpr(n)
		if err != nil {
			return nil, &expr.Column{Index: -1, Name: n.String()}, err
		}
		return r, nil, nil
	case *expr.Column:
		if r, ok := g.deps[n.Index]; ok {
			return g.rewrite(r)
		}
		return nil, n, errNotGrouped
	}
	ch := e.Children()
	if len(ch) == 0 {
		return e, nil, nil
	}
	out := make([]expr.Expr, len(ch))
	changed := false
	for i, c := range ch {
		r, col, err := g.rewrite(c)
		if err != nil {
			return nil, col, err
		}
		out[i] = r
		changed = changed || r != c
	}
	if !changed {
		return e, nil, nil
	}
	return e.WithChildren(out), nil, nil
}

// qualifiedName renders an input column as MySQL does in its
// ONLY_FULL_GROUP_BY message ('schema.table.column').
func (g *groupRewriter) qualifiedName(c *expr.Column) string {
	if c.Index < 0 || c.Index >= len(g.sc.cols) {
		return c.Name
	}
	sc := g.sc.cols[c.Index]
	parts := []string{}
	if sc.schema != "" {
		parts = append(parts, sc.schema)
	}
	if sc.table != "" {
		parts = append(parts, sc.table)
	}
	return strings.Join(append(parts, sc.name), ".")
}

// notGroupedError is MySQL's ONLY_FULL_GROUP_BY error for expression #pos
// (1-based) of a clause ("SELECT list", "ORDER BY clause").
func (g *groupRewriter) notGroupedError(clause string, pos int, c *expr.Column, grouped bool) error {
	if !grouped {
		return errs.Invalidf("In aggregated query without GROUP BY, expression #%d of %s contains nonaggregated column '%s'; this is incompatible with sql_mode=only_full_group_by", pos, clause, g.qualifiedName(c))
	}
	return errs.Invalidf("Expression #%d of %s is not in GROUP BY clause and contains nonaggregated column '%s' which is not functionally dependent on columns in GROUP BY clause; this is incompatible with sql_mode=only_full_group_by", pos, clause, g.qualifiedName(c))
}

// hasAggregate reports whether an AST subtree calls an aggregate function
// (outside subqueries, which have their own aggregation).
func hasAggregate(n ast.Node) bool {
	if n == nil {
		return false
	}
	v := &aggFinder{}
	n.Accept(v)
	return v.found
}

type aggFinder struct{ found bool }

func (v *aggFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n.(type) {
	case *ast.AggregateFuncExpr:
		v.found = true
		return n, true
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, v.found
}

func (v *aggFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func errorsIsNotFound(err error) bool { return errors.Is(err, errs.ErrNotFound) }
