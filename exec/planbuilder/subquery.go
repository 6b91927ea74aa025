package planbuilder

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// Subqueries in expressions (scalar, IN, EXISTS) bind in two steps. While
// a clause binds, each subquery is planned on its own and a subqueryRef
// stands for its value; the SELECT then stacks one logical.SubqueryJoin per
// subquery on the relation the clause reads (the FROM/WHERE input for
// WHERE, the aggregate's output for the select list, HAVING and ORDER BY
// of a grouped query) and replaces each ref with the column it appends.

// subqueryRef stands for a subquery's value while a clause is being bound;
// like aggRef it never leaves the builder.
type subqueryRef struct {
	idx  int
	name string
	typ  arrow.DataType
	coll *subqueryCollector
}

func (r *subqueryRef) Type() arrow.DataType                  { return r.typ }
func (r *subqueryRef) String() string                        { return r.name }
func (r *subqueryRef) Children() []expr.Expr                 { return nil }
func (r *subqueryRef) WithChildren(ch []expr.Expr) expr.Expr { return r }

// pendingSubquery is a planned subquery waiting for its SubqueryJoin.
type pendingSubquery struct {
	kind  logical.SubqueryKind
	plan  logical.Plan
	probe expr.Expr // SubqueryIn: over the clause's input, may hold refs
	name  string
	// corr is set for a decorrelated scalar subquery: plan outputs the
	// value then the inner keys, and attach joins it on corr.outerKeys
	// (subquery_correlated.go).
	corr *decorrelation
}

// subqueryCollector gathers the subqueries of one or more clauses that
// read the same relation.
type subqueryCollector struct {
	items []pendingSubquery
}

func (c *subqueryCollector) add(s *stmtBuilder, p pendingSubquery, typ arrow.DataType) *subqueryRef {
	s.q.nextSub++
	p.name = fmt.Sprintf("subquery%d", s.q.nextSub)
	c.items = append(c.items, p)
	return &subqueryRef{idx: len(c.items) - 1, name: p.name, typ: typ, coll: c}
}

// beginSelect starts a SELECT's subquery collection (and its WITH clause);
// the returned function restores the enclosing query's state.
func (s *stmtBuilder) beginSelect(with *ast.WithClause) (func(), error) {
	saved := s.q.subs
	restoreWith := func() {}
	if with != nil {
		r, err := s.pushWith(with)
		if err != nil {
			return nil, err
		}
		restoreWith = r
	}
	s.q.subs = &subqueryCollector{}
	return func() {
		s.q.subs = saved
		restoreWith()
	}, nil
}

// projectPrefix keeps the first width columns of p.
func projectPrefix(p logical.Plan, width int) logical.Plan {
	sch := p.Schema()
	exprs := make([]expr.Expr, width)
	names := make([]string, width)
	for i := 0; i < width; i++ {
		f := sch.Field(i)
		exprs[i], names[i] = &expr.Column{Index: i, Name: f.Name, DataType: f.Type}, f.Name
	}
	return &logical.Project{Input: p, Exprs: exprs, Names: names}
}

// attach stacks the collected subqueries on plan and returns the function
// that replaces their refs with the appended columns. rewriteProbe, when
// not nil, first rebinds IN probes (bound over a grouped query's input)
// over plan (the aggregate's output).
func (c *subqueryCollector) attach(plan logical.Plan, rewriteProbe func(expr.Expr) (expr.Expr, error)) (logical.Plan, func(expr.Expr) expr.Expr, error) {
	if c == nil || len(c.items) == 0 {
		return plan, func(e expr.Expr) expr.Expr { return e }, nil
	}
	width := plan.Schema().NumFields()
	resolve := func(e expr.Expr) expr.Expr {
		return expr.Transform(e, func(n expr.Expr) expr.Expr {
			if r, ok := n.(*subqueryRef); ok && r.coll == c {
				return &expr.Column{Index: width + r.idx, Name: r.name, DataType: r.typ}
			}
			return n
		})
	}
	for _, it := range c.items {
		if it.corr != nil {
			keys := make([]expr.Expr, len(it.corr.outerKeys))
			for i, k := range it.corr.outerKeys {
				if rewriteProbe != nil {
					var err error
					if k, err = rewriteProbe(k); err != nil {
						return nil, nil, err
					}
				}
				keys[i] = k
			}
			var err error
			if plan, err = attachCorrelated(plan, it, keys); err != nil {
				return nil, nil, err
			}
			continue
		}
		probe := it.probe
		if probe != nil {
			if rewriteProbe != nil {
				var err error
				if probe, err = rewriteProbe(probe); err != nil {
					return nil, nil, err
				}
			}
			probe = resolve(probe)
		}
		plan = &logical.SubqueryJoin{Kind: it.kind, Input: plan, Subquery: it.plan, Probe: probe, Name: it.name}
	}
	return plan, resolve, nil
}

// containsNode reports whether e or any expression below it is a T.
func containsNode[T expr.Expr](e expr.Expr) bool {
	found := false
	expr.Walk(e, func(n expr.Expr) bool {
		if _, ok := n.(T); ok {
			found = true
		}
		return !found
	})
	return found
}

// hasSubqueryRef reports whether e holds a subquery not yet attached.
func hasSubqueryRef(e expr.Expr) bool { return containsNode[*subqueryRef](e) }

// checkAggregateArgs rejects subqueries inside aggregate arguments and
// GROUP BY keys (they would have to run below the aggregate).
func checkAggregateArgs(aggs *aggCollector, groupBy []expr.Expr) error {
	for _, g := range groupBy {
		if hasSubqueryRef(g) {
			return errs.NotImplementedf("subqueries in GROUP BY are not supported yet")
		}
	}
	if aggs == nil {
		return nil
	}
	for _, a := range aggs.calls {
		if a.Arg != nil && hasSubqueryRef(a.Arg) {
			return errs.NotImplementedf("subqueries inside aggregate functions are not supported yet (%s)", a.String())
		}
	}
	return nil
}

// planSubquery plans a subquery's query with the current scope visible as
// an outer scope (for outer references).
func (c *exprCtx) planSubquery(q ast.ResultSetNode) (logical.Plan, error) {
	if c.s.q.subs == nil {
		return nil, errs.NotImplementedf("subqueries are not supported in %s", c.clause)
	}
	if c.clause == "on clause" {
		// Nothing attaches subqueries to a join condition yet: without
		// this their refs would leak into the plan.
		return nil, errs.NotImplementedf("subqueries in a JOIN's ON condition are not supported yet (for an inner join, move the condition to WHERE)")
	}
	c.s.q.outer = append(c.s.q.outer, &outerFrame{sc: c.sc})
	defer func() { c.s.q.outer = c.s.q.outer[:len(c.s.q.outer)-1] }()
	return c.s.buildQuery(q)
}

// subqueryQuery unwraps the query of a subquery operand.
func subqueryQuery(n ast.ExprNode) (ast.ResultSetNode, error) {
	for {
		switch x := n.(type) {
		case *ast.ParenthesesExpr:
			n = x.Expr
			continue
		case *ast.SubqueryExpr:
			return x.Query, nil
		}
		return nil, errs.Invalidf("expected a subquery, got %T", n)
	}
}

func oneColumn(p logical.Plan) error {
	if n := p.Schema().NumFields(); n != 1 {
		return errs.Invalidf("operand should contain 1 column(s), the subquery returns %d", n)
	}
	return nil
}

// bindSubquery binds a subquery expression: scalar, [NOT] EXISTS,
// comparisons with ANY/SOME/ALL.
func (c *exprCtx) bindSubquery(n ast.ExprNode) (expr.Expr, error) {
	switch x := n.(type) {
	case *ast.SubqueryExpr:
		plan, dc, err := c.planScalarSubquery(x.Query)
		if err != nil {
			return nil, err
		}
		if dc == nil {
			if err := oneColumn(plan); err != nil {
				return nil, err
			}
		}
		typ := plan.Schema().Field(0).Type
		return c.s.q.subs.add(c.s, pendingSubquery{kind: logical.SubqueryScalar, plan: plan, corr: dc}, typ), nil
	case *ast.ExistsSubqueryExpr:
		q, err := subqueryQuery(x.Sel)
		if err != nil {
			return nil, err
		}
		plan, err := c.planSubquery(q)
		if err != nil {
			if isCorrelatedForm(err) {
				// Correlated, not a top-level WHERE condition: as a
				// COUNT(*) subquery when it has that shape
				// (subquery_exists.go).
				if e, ok, err2 := c.bindExistsAsCount(q, x.Not); ok {
					return e, err2
				}
			}
			return nil, err
		}
		ref := c.s.q.subs.add(c.s, pendingSubquery{kind: logical.SubqueryExists, plan: plan}, arrow.FixedWidthTypes.Boolean)
		if x.Not {
			return expr.NewNot(ref)
		}
		return ref, nil
	case *ast.CompareSubqueryExpr:
		return c.bindCompareSubquery(x)
	}
	return nil, errs.NotImplementedf("subquery expression %T is not supported", n)
}

// bindInSubquery binds x [NOT] IN (subquery).
func (c *exprCtx) bindInSubquery(n *ast.PatternInExpr) (expr.Expr, error) {
	probe, err := c.bind(n.Expr)
	if err != nil {
		return nil, err
	}
	q, err := subqueryQuery(n.Sel)
	if err != nil {
		return nil, err
	}
	e, err := c.inSubquery(probe, q)
	if err != nil || !n.Not {
		return e, err
	}
	return expr.NewNot(e)
}

// inSubquery plans probe IN (q): both sides are cast to the type they
// compare in, the subquery's side by a Project over it.
func (c *exprCtx) inSubquery(probe expr.Expr, q ast.ResultSetNode) (expr.Expr, error) {
	plan, err := c.planSubquery(q)
	if err != nil {
		if isCorrelatedForm(err) {
			// Correlated, not a top-level WHERE condition: as COUNT(*)
			// subqueries when it has that shape (subquery_exists.go).
			if e, ok, err2 := c.bindInAsCounts(probe, q); ok {
				return e, err2
			}
		}
		return nil, err
	}
	if err := oneColumn(plan); err != nil {
		return nil, err
	}
	f := plan.Schema().Field(0)
	col := &expr.Column{Index: 0, Name: f.Name, DataType: f.Type}
	cmp, err := expr.NewBinary(expr.OpEq, probe, col)
	if err != nil {
		return nil, err
	}
	b, ok := cmp.(*expr.Binary)
	if !ok || !arrow.TypeEqual(b.Left.Type(), b.Right.Type()) {
		return nil, errs.NotImplementedf("IN (subquery) comparing %s with %s", expr.TypeName(probe.Type()), expr.TypeName(f.Type))
	}
	if b.Right != expr.Expr(col) {
		plan = &logical.Project{Input: plan, Exprs: []expr.Expr{b.Right}, Names: []string{f.Name}}
	}
	return c.s.q.subs.add(c.s, pendingSubquery{kind: logical.SubqueryIn, plan: plan, probe: b.Left}, arrow.FixedWidthTypes.Boolean), nil
}

// bindCompareSubquery binds x op ANY|SOME|ALL (subquery). = ANY is IN and
// <> ALL is NOT IN; the ordering comparisons compare with the subquery's
// MIN or MAX, with MySQL's NULL and empty-set rules:
//
//	x > ANY (S): FALSE if S is empty; NULL if x is NULL; TRUE if x > MIN(S);
//	             NULL if S holds a NULL; else FALSE.
//	x > ALL (S): TRUE if S is empty; NULL if x is NULL; FALSE if
//	             NOT (x > MAX(S)); NULL if S holds a NULL; else TRUE.
func (c *exprCtx) bindCompareSubquery(n *ast.CompareSubqueryExpr) (expr.Expr, error) {
	x, err := c.bind(n.L)
	if err != nil {
		return nil, err
	}
	q, err := subqueryQuery(n.R)
	if err != nil {
		return nil, err
	}
	switch {
	case n.Op == opcode.EQ && !n.All:
		return c.inSubquery(x, q)
	case n.Op == opcode.NE && n.All:
		in, err := c.inSubquery(x, q)
		if err != nil {
			return nil, err
		}
		return expr.NewNot(in)
	}
	op, ok := binaryOps[n.Op]
	if !ok || !op.IsComparison() || op == expr.OpNullSafeEq {
		return nil, errs.NotImplementedf("%s %s with a subquery is not supported", n.Op.String(), map[bool]string{true: "ALL", false: "ANY"}[n.All])
	}
	if op == expr.OpEq || op == expr.OpNotEq {
		// = ALL and <> ANY: TRUE/FALSE from MIN and MAX together.
		return nil, errs.NotImplementedf("%s %s (subquery) is not supported yet", n.Op.String(), map[bool]string{true: "ALL", false: "ANY"}[n.All])
	}
	plan, err := c.planSubquery(q)
	if err != nil {
		return nil, err
	}
	if err := oneColumn(plan); err != nil {
		return nil, err
	}
	f := plan.Schema().Field(0)
	col := &expr.Column{Index: 0, Name: f.Name, DataType: f.Type}
	// ANY with > or >= compares with MIN; with < or <= with MAX. ALL the
	// other way round.
	useMin := (op == expr.OpGt || op == expr.OpGtEq) != n.All
	fn := expr.AggMax
	if useMin {
		fn = expr.AggMin
	}
	ext, err := expr.NewAggregate(fn, col, false)
	if err != nil {
		return nil, err
	}
	cntAll, err := expr.NewAggregate(expr.AggCount, nil, false)
	if err != nil {
		return nil, err
	}
	cntVal, err := expr.NewAggregate(expr.AggCount, col, false)
	if err != nil {
		return nil, err
	}
	scalar := func(a expr.AggregateCall) *subqueryRef {
		p := &logical.Aggregate{Input: plan, Aggs: []expr.AggregateCall{a}, AggNames: []string{a.String()}}
		return c.s.q.subs.add(c.s, pendingSubquery{kind: logical.SubqueryScalar, plan: p}, a.DataType)
	}
	extRef, nRef, nnRef := scalar(ext), scalar(cntAll), scalar(cntVal)
	cmp, err := expr.NewBinary(op, x, extRef)
	if err != nil {
		return nil, err
	}
	zero := expr.NewLiteral(int64(0))
	empty, err := expr.NewBinary(expr.OpEq, nRef, zero)
	if err != nil {
		return nil, err
	}
	xNull, err := expr.NewIsNull(x, false)
	if err != nil {
		return nil, err
	}
	hasNull, err := expr.NewBinary(expr.OpLt, nnRef, nRef)
	if err != nil {
		return nil, err
	}
	null := expr.Null(arrow.FixedWidthTypes.Boolean)
	t, f2 := expr.NewLiteral(true), expr.NewLiteral(false)
	if !n.All {
		return expr.NewCase([]expr.When{{Cond: empty, Then: f2}, {Cond: xNull, Then: null}, {Cond: cmp, Then: t}, {Cond: hasNull, Then: null}}, f2)
	}
	notCmp, err := expr.NewNot(cmp)
	if err != nil {
		return nil, err
	}
	return expr.NewCase([]expr.When{{Cond: empty, Then: t}, {Cond: xNull, Then: null}, {Cond: notCmp, Then: f2}, {Cond: hasNull, Then: null}}, t)
}

// outerFrame is the scope of a query enclosing a subquery being bound.
// allow is set while binding the WHERE clause of a subquery that is being
// decorrelated (semijoin.go): only there may names resolve to it, as
// outerRefs that the decorrelation hoists into a join condition.
type outerFrame struct {
	sc    *scope
	allow bool
}

// outerRef is a column of the immediately enclosing query, referenced from
// a subquery's WHERE clause; like aggRef it never leaves the builder.
type outerRef struct {
	idx  int
	name string
	typ  arrow.DataType
}

func (r *outerRef) Type() arrow.DataType                  { return r.typ }
func (r *outerRef) String() string                        { return "outer." + r.name }
func (r *outerRef) Children() []expr.Expr                 { return nil }
func (r *outerRef) WithChildren(ch []expr.Expr) expr.Expr { return r }

// hasOuterRef reports whether e reads a column of the enclosing query.
func hasOuterRef(e expr.Expr) bool { return containsNode[*outerRef](e) }

// outerColumn resolves a name no inner scope has against the enclosing
// queries' scopes. A match is an outer (correlated) reference: an outerRef
// where the innermost frame allows it, otherwise ErrNotImplemented.
func (c *exprCtx) outerColumn(cn *ast.ColumnName) (expr.Expr, bool, error) {
	outer := c.s.q.outer
	for i := len(outer) - 1; i >= 0; i-- {
		idx, err := outer[i].sc.resolve(cn, c.clause)
		if err != nil {
			continue
		}
		if i == len(outer)-1 && outer[i].allow {
			col := outer[i].sc.cols[idx]
			return &outerRef{idx: idx, name: col.name, typ: col.typ}, true, nil
		}
		return nil, true, errCorrelatedForm{errs.NotImplementedf("correlated subqueries of this form are not supported yet (column '%s' refers to an outer query; supported: outer references in a subquery's own WHERE clause to the immediately enclosing query, for scalar subqueries and for [NOT] EXISTS / [NOT] IN subqueries without aggregation as top-level WHERE conditions)", strings.TrimSpace(columnText(cn)))}
	}
	return nil, false, nil
}
