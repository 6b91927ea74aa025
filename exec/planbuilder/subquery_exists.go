package planbuilder

import (
	"errors"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// A correlated [NOT] EXISTS that is not a top-level WHERE condition (inside
// OR, CASE, the select list...) cannot become a semi-join (semijoin.go).
// When its query is a plain SELECT (no GROUP BY, HAVING, aggregates, LIMIT,
// window clause), EXISTS asks whether any row of its FROM satisfies its
// WHERE, which is exactly
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
	if !plainSelect(&cp, false) || (st.OrderBy != nil && hasAggregate(st.OrderBy)) {
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
