package planbuilder

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// A correlated [NOT] EXISTS that is not a top-level WHERE condition (inside
// OR, CASE, the select list...) cannot become a semi-join (semijoin.go).
// When its query is a plain SELECT (no HAVING, aggregates, OFFSET, window
// clause; GROUP BY and LIMIT n >= 1 do not change whether a row exists),
// EXISTS asks whether any row of its FROM satisfies its WHERE, which is
// exactly
//
//	EXISTS (SELECT ... FROM f WHERE w)  ≡  (SELECT COUNT(*) FROM f WHERE w) > 0
//
// (NOT EXISTS: = 0), and the correlated COUNT(*) scalar subquery is
// decorrelated like any other (subquery_correlated.go), COUNT bug included:
// an outer row without inner rows gets 0, so the result is never NULL, as
// EXISTS never is. The select list, DISTINCT and ORDER BY of the original
// do not change whether a row exists and are dropped.

// errCorrelatedForm marks the error outerColumn returns for an outer
// reference the binder cannot decorrelate where it appears; bindSubquery
// retries such an EXISTS as a COUNT(*) scalar subquery.
type errCorrelatedForm struct{ error }

func (e errCorrelatedForm) Unwrap() error { return e.error }

// isCorrelatedForm reports whether err is (or wraps) an errCorrelatedForm.
func isCorrelatedForm(err error) bool {
	var cf errCorrelatedForm
	return errors.As(err, &cf)
}

// existsCountQuery returns SELECT COUNT(*) FROM ... WHERE ... for an
// EXISTS query that may be rewritten so, or nil.
func existsCountQuery(q ast.ResultSetNode) *ast.SelectStmt {
	st, ok := q.(*ast.SelectStmt)
	if !ok || st.Where == nil {
		return nil
	}
	cp := *st
	cp.Distinct = false
	// LIMIT n (n >= 1) keeps a row if there is one; GROUP BY without
	// HAVING makes a group if there is a row: neither changes EXISTS.
	if cp.Limit != nil && cp.Limit.Offset == nil {
		if n, err := limitValue(cp.Limit.Count); err == nil && n >= 1 {
			cp.Limit = nil
		}
	}
	if cp.GroupBy != nil && cp.Having == nil {
		cp.GroupBy = nil
		cp.Fields = &ast.FieldList{Fields: []*ast.SelectField{{Expr: ast.NewValueExpr(int64(1), "", "")}}}
		cp.OrderBy = nil
	}
	if !plainSelect(&cp, false) || (cp.OrderBy != nil && hasAggregate(cp.OrderBy)) {
		return nil
	}
	count := &ast.AggregateFuncExpr{F: ast.AggFuncCount, Args: []ast.ExprNode{ast.NewValueExpr(int64(1), "", "")}}
	cp.Fields = &ast.FieldList{Fields: []*ast.SelectField{{Expr: count}}}
	cp.OrderBy = nil
	return &cp
}

// bindExistsAsCount binds [NOT] EXISTS (q) as a correlated COUNT(*) scalar
// subquery compared with 0. ok is false when q does not have the shape the
// rewrite needs.
func (c *exprCtx) bindExistsAsCount(q ast.ResultSetNode, not bool) (e expr.Expr, ok bool, err error) {
	cq := existsCountQuery(q)
	if cq == nil {
		return nil, false, nil
	}
	plan, dc, err := c.planScalarSubquery(cq)
	if err != nil {
		return nil, true, err
	}
	ref := c.s.q.subs.add(c.s, pendingSubquery{kind: logical.SubqueryScalar, plan: plan, corr: dc}, plan.Schema().Field(0).Type)
	op := expr.OpGt
	if not {
		op = expr.OpEq
	}
	cmp, err := expr.NewBinary(op, ref, expr.NewLiteral(int64(0)))
	if err != nil {
		return nil, true, err
	}
	return cmp, true, nil
}

// A correlated x [NOT] IN (SELECT y FROM f WHERE w) outside a top-level
// WHERE condition becomes COUNT(*) subqueries, with IN's NULL rules:
//
//	CASE WHEN (SELECT COUNT(*) FROM f WHERE (w) AND y = x) > 0 THEN TRUE
//	     WHEN (SELECT COUNT(*) FROM f WHERE w) = 0          THEN FALSE
//	     WHEN x IS NULL                                      THEN NULL
//	     WHEN (SELECT COUNT(*) FROM f WHERE (w) AND y IS NULL) > 0 THEN NULL
//	     ELSE FALSE END
//
// x is bound in the enclosing query; inside the first subquery it is an
// outerValue node, so that its column names cannot be captured by the
// subquery's own tables.

// outerValue is an expression already bound over the enclosing query's
// scope, placed in a subquery's WHERE AST. It binds to the same expression
// with its columns as outer references; it is a leaf for AST visitors.
type outerValue struct {
	test_driver.ValueExpr
	e  expr.Expr
	sc *scope // the scope e is bound over
}

// Accept visits v as a leaf (the embedded ValueExpr's Accept would hand
// visitors, and the parent's field, the ValueExpr instead of v).
func (v *outerValue) Accept(visitor ast.Visitor) (ast.Node, bool) {
	n, _ := visitor.Enter(v)
	return visitor.Leave(n)
}

// bindOuterValue binds an outerValue inside the subquery whose enclosing
// frame has scope v.sc and currently allows outer references.
func (c *exprCtx) bindOuterValue(v *outerValue) (expr.Expr, error) {
	outer := c.s.q.outer
	if len(outer) == 0 || outer[len(outer)-1].sc != v.sc || !outer[len(outer)-1].allow {
		return nil, errCorrelatedForm{errs.NotImplementedf("correlated subqueries of this form are not supported yet (%s refers to an outer query)", v.e.String())}
	}
	return expr.Transform(v.e, func(n expr.Expr) expr.Expr {
		if col, ok := n.(*expr.Column); ok {
			return &outerRef{idx: col.Index, name: col.Name, typ: col.DataType}
		}
		return n
	}), nil
}

// inCountable reports whether probe may be moved into a subquery as an
// outerValue: it reads only the enclosing relation's columns.
func inCountable(probe expr.Expr) bool {
	return !hasSubqueryRef(probe) && !hasOuterRef(probe) && !containsNode[*aggRef](probe) &&
		!containsNode[*winRef](probe) && !containsNode[*groupingRef](probe)
}

// bindInAsCounts binds probe IN (q) as above. ok is false when q or probe
// do not have the shape the rewrite needs.
func (c *exprCtx) bindInAsCounts(probe expr.Expr, q ast.ResultSetNode) (e expr.Expr, ok bool, err error) {
	st, isSel := q.(*ast.SelectStmt)
	if !isSel || st.Where == nil || !plainSelect(st, true) || !inCountable(probe) {
		return nil, false, nil
	}
	y := st.Fields.Fields[0].Expr
	count := func(extra ast.ExprNode) (expr.Expr, error) {
		cp := *st
		cp.Distinct = false
		cp.OrderBy = nil
		cp.Fields = &ast.FieldList{Fields: []*ast.SelectField{{Expr: &ast.AggregateFuncExpr{F: ast.AggFuncCount, Args: []ast.ExprNode{ast.NewValueExpr(int64(1), "", "")}}}}}
		if extra != nil {
			cp.Where = &ast.BinaryOperationExpr{Op: opcode.LogicAnd, L: &ast.ParenthesesExpr{Expr: st.Where}, R: extra}
		}
		plan, dc, err := c.planScalarSubquery(&cp)
		if err != nil {
			return nil, err
		}
		return c.s.q.subs.add(c.s, pendingSubquery{kind: logical.SubqueryScalar, plan: plan, corr: dc}, plan.Schema().Field(0).Type), nil
	}
	zero := expr.NewLiteral(int64(0))
	match, err := count(&ast.BinaryOperationExpr{Op: opcode.EQ, L: &ast.ParenthesesExpr{Expr: y}, R: &outerValue{e: probe, sc: c.sc}})
	if err != nil {
		return nil, true, err
	}
	all, err := count(nil)
	if err != nil {
		return nil, true, err
	}
	nulls, err := count(&ast.IsNullExpr{Expr: &ast.ParenthesesExpr{Expr: y}})
	if err != nil {
		return nil, true, err
	}
	hasMatch, err := expr.NewBinary(expr.OpGt, match, zero)
	if err != nil {
		return nil, true, err
	}
	empty, err := expr.NewBinary(expr.OpEq, all, zero)
	if err != nil {
		return nil, true, err
	}
	hasNull, err := expr.NewBinary(expr.OpGt, nulls, zero)
	if err != nil {
		return nil, true, err
	}
	probeNull, err := expr.NewIsNull(probe, false)
	if err != nil {
		return nil, true, err
	}
	null := expr.Null(arrow.FixedWidthTypes.Boolean)
	t, f := expr.NewLiteral(true), expr.NewLiteral(false)
	e, err = expr.NewCase([]expr.When{{Cond: hasMatch, Then: t}, {Cond: empty, Then: f}, {Cond: probeNull, Then: null}, {Cond: hasNull, Then: null}}, f)
	return e, true, err
}
