package planbuilder

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// buildSetOpr builds UNION / INTERSECT / EXCEPT with MySQL 8.0.31 rules:
// INTERSECT binds tighter than UNION and EXCEPT, which associate left to
// right; column names come from the first branch; each column's type is
// the common type of the branches (exec/expr's type aggregation); ORDER BY
// and LIMIT after the last branch apply to the whole result.
func (s *stmtBuilder) buildSetOpr(n *ast.SetOprStmt) (logical.Plan, error) {
	if n.With != nil {
		restore, err := s.pushWith(n.With)
		if err != nil {
			return nil, err
		}
		defer restore()
	}
	if n.SelectList == nil {
		return nil, errs.Invalidf("set operation without queries")
	}
	plan, err := s.buildSetOprList(n.SelectList)
	if err != nil {
		return nil, err
	}
	return s.setOprOrderLimit(plan, n.OrderBy, n.Limit)
}

// buildSetOprList builds a (possibly parenthesized) list of set-operation
// branches with its own ORDER BY/LIMIT.
func (s *stmtBuilder) buildSetOprList(l *ast.SetOprSelectList) (logical.Plan, error) {
	if l.With != nil {
		restore, err := s.pushWith(l.With)
		if err != nil {
			return nil, err
		}
		defer restore()
	}
	if len(l.Selects) == 0 {
		return nil, errs.Invalidf("set operation without queries")
	}
	plans := make([]logical.Plan, len(l.Selects))
	ops := make([]ast.SetOprType, len(l.Selects))
	for i, sel := range l.Selects {
		var after *ast.SetOprType
		var err error
		switch q := sel.(type) {
		case *ast.SelectStmt:
			after = q.AfterSetOperator
			plans[i], err = s.buildSelect(q)
		case *ast.SetOprSelectList:
			after = q.AfterSetOperator
			plans[i], err = s.buildSetOprList(q)
		default:
			err = errs.NotImplementedf("%T in a set operation is not supported", sel)
		}
		if err != nil {
			return nil, err
		}
		if i > 0 {
			if after == nil {
				return nil, errs.Internalf("set operation branch %d has no operator", i+1)
			}
			ops[i] = *after
		}
	}
	var plan logical.Plan
	if len(plans) == 1 {
		plan = plans[0]
	} else {
		var err error
		if plans, err = unifyBranches(plans); err != nil {
			return nil, err
		}
		if plan, err = combineSetOprs(plans, ops); err != nil {
			return nil, err
		}
	}
	return s.setOprOrderLimit(plan, l.OrderBy, l.Limit)
}

// unifyBranches casts every branch to the common column types; the first
// branch names the columns.
func unifyBranches(plans []logical.Plan) ([]logical.Plan, error) {
	first := plans[0].Schema()
	width := first.NumFields()
	for i, p := range plans[1:] {
		if p.Schema().NumFields() != width {
			return nil, errs.Invalidf("the used SELECT statements have a different number of columns (%d in the first, %d in query #%d)", width, p.Schema().NumFields(), i+2)
		}
	}
	types := make([]arrow.DataType, width)
	names := make([]string, width)
	for c := 0; c < width; c++ {
		names[c] = first.Field(c).Name
		// The type CASE would give branches of these types is MySQL's
		// aggregation of types, which is what UNION uses too.
		whens := make([]expr.When, len(plans))
		for i, p := range plans {
			whens[i] = expr.When{Cond: expr.NewLiteral(true), Then: expr.Null(p.Schema().Field(c).Type)}
		}
		ce, err := expr.NewCase(whens, nil)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "column %d of the set operation", c+1)
		}
		types[c] = ce.Type()
	}
	out := make([]logical.Plan, len(plans))
	for i, p := range plans {
		sch := p.Schema()
		exprs := make([]expr.Expr, width)
		same := true
		for c := 0; c < width; c++ {
			f := sch.Field(c)
			var e expr.Expr = &expr.Column{Index: c, Name: f.Name, DataType: f.Type}
			if !arrow.TypeEqual(f.Type, types[c]) {
				same = false
				var err error
				if e, err = expr.NewCast(e, types[c]); err != nil {
					return nil, errs.Wrap(errs.ErrInvalid, err, "column %d of query #%d of the set operation", c+1, i+1)
				}
			}
			exprs[c] = e
		}
		if same && (i > 0 || !namesDiffer(sch, names)) {
			out[i] = p
			continue
		}
		out[i] = &logical.Project{Input: p, Exprs: exprs, Names: names}
	}
	return out, nil
}

func namesDiffer(s *arrow.Schema, names []string) bool {
	for i, f := range s.Fields() {
		if f.Name != names[i] {
			return true
		}
	}
	return false
}

// setOpSchema is the output schema of a set operation over plans[0]'s
// columns: its names and types, every column nullable.
func setOpSchema(p logical.Plan) *arrow.Schema {
	in := p.Schema()
	fields := make([]arrow.Field, in.NumFields())
	for i, f := range in.Fields() {
		fields[i] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// combineSetOprs applies the operators with MySQL's precedence: INTERSECT
// first, then UNION and EXCEPT left to right. ops[i] joins plans[i] to what
// precedes it.
func combineSetOprs(plans []logical.Plan, ops []ast.SetOprType) (logical.Plan, error) {
	// Fold runs of INTERSECT into their left operand.
	type term struct {
		plan logical.Plan
		op   ast.SetOprType // operator before this term (unused for the first)
	}
	var terms []term
	for i, p := range plans {
		if i > 0 && (ops[i] == ast.Intersect || ops[i] == ast.IntersectAll) {
			last := &terms[len(terms)-1]
			last.plan = &logical.SetOp{Kind: logical.SetIntersect, All: ops[i] == ast.IntersectAll, Left: last.plan, Right: p, Out: setOpSchema(last.plan)}
			continue
		}
		terms = append(terms, term{plan: p, op: ops[i]})
	}
	acc := terms[0].plan
	for _, t := range terms[1:] {
		switch t.op {
		case ast.UnionAll:
			if u, ok := acc.(*logical.Union); ok {
				acc = &logical.Union{Inputs: append(append([]logical.Plan(nil), u.Inputs...), t.plan), Out: u.Out}
			} else {
				acc = &logical.Union{Inputs: []logical.Plan{acc, t.plan}, Out: setOpSchema(acc)}
			}
		case ast.Union:
			var u *logical.Union
			if prev, ok := acc.(*logical.Union); ok {
				u = &logical.Union{Inputs: append(append([]logical.Plan(nil), prev.Inputs...), t.plan), Out: prev.Out}
			} else {
				u = &logical.Union{Inputs: []logical.Plan{acc, t.plan}, Out: setOpSchema(acc)}
			}
			acc = distinctAll(u)
		case ast.Except, ast.ExceptAll:
			acc = &logical.SetOp{Kind: logical.SetExcept, All: t.op == ast.ExceptAll, Left: acc, Right: t.plan, Out: setOpSchema(acc)}
		default:
			return nil, errs.NotImplementedf("set operator %s is not supported", t.op.String())
		}
	}
	return acc, nil
}

// distinctAll is SELECT DISTINCT * over p: an Aggregate grouping every
// column.
func distinctAll(p logical.Plan) logical.Plan {
	sch := p.Schema()
	cols := make([]expr.Expr, sch.NumFields())
	names := make([]string, sch.NumFields())
	for i, f := range sch.Fields() {
		cols[i] = &expr.Column{Index: i, Name: f.Name, DataType: f.Type}
		names[i] = f.Name
	}
	return &logical.Aggregate{Input: p, GroupBy: cols, GroupNames: names}
}

// setOprOrderLimit applies a set operation's trailing ORDER BY and LIMIT.
// ORDER BY items name output columns (by name or position) or are
// expressions over them; table-qualified names are not allowed.
func (s *stmtBuilder) setOprOrderLimit(plan logical.Plan, order *ast.OrderByClause, limit *ast.Limit) (logical.Plan, error) {
	if order != nil && len(order.Items) > 0 {
		sch := plan.Schema()
		sc := &scope{cols: make([]scopeColumn, sch.NumFields())}
		items := make([]selectItem, sch.NumFields())
		exprs := make([]expr.Expr, sch.NumFields())
		names := make([]string, sch.NumFields())
		for i, f := range sch.Fields() {
			sc.cols[i] = scopeColumn{name: f.Name, typ: f.Type}
			col := &expr.Column{Index: i, Name: f.Name, DataType: f.Type}
			items[i] = selectItem{e: col, name: f.Name}
			exprs[i], names[i] = col, f.Name
		}
		visible := len(exprs)
		keys := make([]logical.SortKey, len(order.Items))
		for i, it := range order.Items {
			out, err := outputRef(it.Expr, items, "order clause")
			if err != nil {
				return nil, err
			}
			if out < 0 {
				if cn, ok := it.Expr.(*ast.ColumnNameExpr); ok && cn.Name.Table.O != "" {
					return nil, errs.Invalidf("table '%s' from one of the SELECTs cannot be used in global ORDER clause", cn.Name.Table.O)
				}
				c := &exprCtx{s: s, sc: sc, clause: "order clause"}
				e, err := c.bind(it.Expr)
				if err != nil {
					return nil, err
				}
				if col, ok := e.(*expr.Column); ok {
					out = col.Index
				} else {
					out = len(exprs)
					exprs = append(exprs, e)
					names = append(names, e.String())
				}
			}
			keys[i] = logical.SortKey{
				Expr:       &expr.Column{Index: out, Name: names[out], DataType: exprs[out].Type()},
				Desc:       it.Desc,
				NullsFirst: !it.Desc,
			}
		}
		if len(exprs) > visible {
			plan = &logical.Project{Input: plan, Exprs: exprs, Names: names}
		}
		plan = &logical.Sort{Input: plan, Keys: keys}
		if limit != nil {
			var err error
			if plan, err = s.buildLimit(plan, limit); err != nil {
				return nil, err
			}
		}
		if len(exprs) > visible {
			cols := make([]expr.Expr, visible)
			for i := range cols {
				cols[i] = &expr.Column{Index: i, Name: names[i], DataType: exprs[i].Type()}
			}
			plan = &logical.Project{Input: plan, Exprs: cols, Names: names[:visible]}
		}
		return plan, nil
	}
	if limit != nil {
		return s.buildLimit(plan, limit)
	}
	return plan, nil
}
