package planbuilder

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// A WHERE clause is bound conjunct by conjunct. A top-level conjunct that
// is [NOT] EXISTS (subquery) or x [NOT] IN (subquery), whose subquery is a
// plain SELECT ... FROM ... WHERE (no aggregation, GROUP BY, HAVING, LIMIT
// or set operation), becomes a join with the subquery's FROM/WHERE:
//
//	EXISTS      → Semi join        NOT EXISTS → Anti join
//	x IN (...)  → Semi join on x = item
//	x NOT IN    → null-aware Anti join on x = item (NOT IN's NULL rules)
//
// The subquery's WHERE may then refer to the enclosing query's columns
// (correlation): the conjuncts that do move into the join condition. This
// is the classic decorrelation of EXISTS/IN; other correlated forms are
// ErrNotImplemented. Every other conjunct is an ordinary filter, and its
// scalar/IN/EXISTS subqueries join below it (SubqueryJoin, subquery.go).

// splitAnd flattens an AST AND tree into its conjuncts.
func splitAnd(n ast.ExprNode) []ast.ExprNode {
	switch x := n.(type) {
	case *ast.BinaryOperationExpr:
		if x.Op == opcode.LogicAnd {
			return append(splitAnd(x.L), splitAnd(x.R)...)
		}
	case *ast.ParenthesesExpr:
		if b, ok := x.Expr.(*ast.BinaryOperationExpr); ok && b.Op == opcode.LogicAnd {
			return splitAnd(b)
		}
	}
	return []ast.ExprNode{n}
}

// bindWhere binds a WHERE clause over plan (whose columns sc describes)
// and returns the filtered plan. With hoist set (the WHERE of a subquery
// being decorrelated), conjuncts that read the enclosing query's columns
// are returned instead of applied.
func (s *stmtBuilder) bindWhere(plan logical.Plan, sc *scope, where ast.ExprNode) (logical.Plan, error) {
	p, _, err := s.bindWhereHoist(plan, sc, where, false)
	return p, err
}

func (s *stmtBuilder) bindWhereHoist(plan logical.Plan, sc *scope, where ast.ExprNode, hoist bool) (logical.Plan, []expr.Expr, error) {
	selSubs := s.q.subs
	whereSubs := &subqueryCollector{}
	s.q.subs = whereSubs
	defer func() { s.q.subs = selSubs }()

	width := len(sc.cols)
	var joins []*logical.Join
	var local, hoisted []expr.Expr
	c := &exprCtx{s: s, sc: sc, clause: "where clause"}
	for _, conj := range splitAnd(where) {
		j, ok, err := s.semiJoin(c, conj, width)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			joins = append(joins, j)
			continue
		}
		e, err := c.bind(conj)
		if err != nil {
			return nil, nil, err
		}
		if hoist && hasOuterRef(e) {
			if hasSubqueryRef(e) {
				return nil, nil, errs.NotImplementedf("a correlated condition containing a subquery is not supported yet")
			}
			hoisted = append(hoisted, e)
			continue
		}
		local = append(local, e)
	}
	// Conditions without subqueries filter first (they push down to the
	// scan); the others run over the subqueries' joined columns.
	var plain, withSubs []expr.Expr
	for _, e := range local {
		if hasSubqueryRef(e) {
			withSubs = append(withSubs, e)
		} else {
			plain = append(plain, e)
		}
	}
	pred, err := conjoinBool(plain)
	if err != nil {
		return nil, nil, err
	}
	if pred != nil {
		plan = &logical.Filter{Input: plan, Predicate: pred}
	}
	if pred, err = conjoinBool(withSubs); err != nil {
		return nil, nil, err
	}
	if pred != nil {
		joined, resolve, err := whereSubs.attach(plan, nil)
		if err != nil {
			return nil, nil, err
		}
		plan = projectPrefix(&logical.Filter{Input: joined, Predicate: resolve(pred)}, width)
	}
	for _, j := range joins {
		nj := *j
		nj.Left = plan
		plan = &nj
	}
	return plan, hoisted, nil
}

// conjoinBool ANDs bound conditions (as the binder binds AND) and makes
// the result a BOOL; nil for none.
func conjoinBool(es []expr.Expr) (expr.Expr, error) {
	var out expr.Expr
	for _, e := range es {
		if out == nil {
			out = e
			continue
		}
		var err error
		if out, err = expr.NewBinary(expr.OpAnd, out, e); err != nil {
			return nil, err
		}
	}
	if out == nil {
		return nil, nil
	}
	return toBool(out)
}

// semiJoin plans conj as a semi or anti join when it has that shape (see
// above); ok is false otherwise. The returned join's Left is filled in by
// the caller. leftWidth is the number of columns of the enclosing query's
// relation (c.sc).
func (s *stmtBuilder) semiJoin(c *exprCtx, conj ast.ExprNode, leftWidth int) (*logical.Join, bool, error) {
	negated := false
	n := conj
	for {
		switch x := n.(type) {
		case *ast.ParenthesesExpr:
			n = x.Expr
			continue
		case *ast.UnaryOperationExpr:
			if x.Op == opcode.Not || x.Op == opcode.Not2 {
				negated = !negated
				n = x.V
				continue
			}
		}
		break
	}
	var sel ast.ExprNode
	var probeAST ast.ExprNode
	switch x := n.(type) {
	case *ast.ExistsSubqueryExpr:
		sel = x.Sel
		negated = negated != x.Not
	case *ast.PatternInExpr:
		if x.Sel == nil {
			return nil, false, nil
		}
		sel, probeAST = x.Sel, x.Expr
		negated = negated != x.Not
	default:
		return nil, false, nil
	}
	q, err := subqueryQuery(sel)
	if err != nil {
		return nil, false, nil
	}
	st, ok := q.(*ast.SelectStmt)
	if !ok || !plainSelect(st, probeAST != nil) {
		return nil, false, nil
	}

	var probe expr.Expr
	if probeAST != nil {
		if probe, err = c.bind(probeAST); err != nil {
			return nil, false, err
		}
		if hasSubqueryRef(probe) || hasOuterRef(probe) {
			return nil, false, errs.NotImplementedf("IN (subquery) with a subquery or outer reference on its left is not supported yet")
		}
	}

	// Build the subquery's FROM and WHERE with the enclosing scope visible.
	savedSubs, savedCTEs := s.q.subs, s.q.ctes
	frame := &outerFrame{sc: c.sc}
	s.q.outer = append(s.q.outer, frame)
	defer func() {
		s.q.outer = s.q.outer[:len(s.q.outer)-1]
		s.q.subs, s.q.ctes = savedSubs, savedCTEs
	}()
	if st.With != nil {
		if _, err := s.pushWith(st.With); err != nil {
			return nil, false, err
		}
	}
	s.q.subs = &subqueryCollector{}
	right, isc, err := s.buildFrom(st.From)
	if err != nil {
		return nil, false, err
	}
	var hoisted []expr.Expr
	if st.Where != nil {
		frame.allow = true
		right, hoisted, err = s.bindWhereHoist(right, isc, st.Where, true)
		frame.allow = false
		if err != nil {
			return nil, false, err
		}
	}

	j := &logical.Join{Type: logical.JoinSemi, Right: right}
	if negated {
		j.Type = logical.JoinAnti
	}
	if probe != nil {
		ic := &exprCtx{s: s, sc: isc, clause: "field list"}
		item, err := ic.bind(st.Fields.Fields[0].Expr)
		if err != nil {
			return nil, false, err
		}
		if hasSubqueryRef(item) {
			return nil, false, errs.NotImplementedf("a subquery in the select list of an IN subquery is not supported yet")
		}
		cmp, err := expr.NewBinary(expr.OpEq, probe, item)
		if err != nil {
			return nil, false, err
		}
		b, ok := cmp.(*expr.Binary)
		if !ok || b.Op != expr.OpEq || !equalKeyTypes(b.Left, b.Right) {
			return nil, false, errs.NotImplementedf("IN (subquery) comparing %s with %s", expr.TypeName(probe.Type()), expr.TypeName(item.Type()))
		}
		j.Keys = []logical.EquiKey{{Left: b.Left, Right: b.Right}}
		j.NullAware = negated
	}
	// The hoisted conjuncts bind to left ++ right.
	var cond expr.Expr
	for _, h := range hoisted {
		e := expr.Transform(h, func(n expr.Expr) expr.Expr {
			switch x := n.(type) {
			case *outerRef:
				return &expr.Column{Index: x.idx, Name: x.name, DataType: x.typ}
			case *expr.Column:
				return &expr.Column{Index: leftWidth + x.Index, Name: x.Name, DataType: x.DataType}
			}
			return n
		})
		if e, err = toBool(e); err != nil {
			return nil, false, err
		}
		if cond == nil {
			cond = e
		} else if cond, err = expr.NewBinary(expr.OpAnd, cond, e); err != nil {
			return nil, false, err
		}
	}
	j.Condition = cond
	return j, true, nil
}

func equalKeyTypes(a, b expr.Expr) bool {
	at, bt := a.Type(), b.Type()
	if at.ID() == bt.ID() {
		return true
	}
	return expr.IsCollatedString(at) && expr.IsCollatedString(bt)
}

// plainSelect reports whether st is SELECT ... FROM ... [WHERE ...] with
// nothing that needs the subquery's own result shape: no aggregation,
// GROUP BY, HAVING, DISTINCT (for IN it would not matter, but keep it
// simple), LIMIT, window or WITH RECURSIVE. In (an IN subquery) requires
// exactly one plain select item.
func plainSelect(st *ast.SelectStmt, in bool) bool {
	if st.Kind != ast.SelectStmtKindSelect || st.From == nil || st.GroupBy != nil || st.Having != nil ||
		st.Limit != nil || len(st.WindowSpecs) > 0 || st.SelectIntoOpt != nil || st.Distinct && !in {
		return false
	}
	if st.With != nil && st.With.IsRecursive {
		return false
	}
	if st.Fields == nil {
		return false
	}
	for _, f := range st.Fields.Fields {
		if f.WildCard == nil && hasAggregate(f.Expr) {
			return false
		}
	}
	if in {
		return len(st.Fields.Fields) == 1 && st.Fields.Fields[0].WildCard == nil
	}
	return true
}
