package planbuilder

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// Correlated scalar subqueries are decorrelated into LEFT JOINs, the
// standard way (Galindo-Legaria & Joshi; Neumann & Kemper call it the
// "magic" grouping): a subquery whose WHERE equates inner expressions with
// columns of the enclosing query,
//
//	(SELECT agg(x) FROM t2 WHERE t2.k = outer.k AND <local>)
//
// becomes the enclosing relation LEFT JOIN (SELECT agg(x), t2.k FROM t2
// WHERE <local> GROUP BY t2.k) ON outer.k = t2.k, and the joined value
// stands for the subquery. Three details keep it exact:
//
//   - The COUNT bug: an aggregate without GROUP BY returns one row even over
//     no input (COUNT(*) = 0, SUM = NULL), but a key without inner rows has
//     no group and the LEFT JOIN gives NULL. When the select item over
//     empty aggregates is not NULL (COUNT, BIT_OR, COALESCE(SUM(x), 0)...),
//     unmatched rows get that value: CASE WHEN key IS NULL THEN empty ELSE
//     value END (a matched key is never NULL: '=' does not match NULLs).
//   - A subquery that is not a plain aggregate (no aggregation, GROUP BY,
//     DISTINCT) may return several rows per key: the joined side groups by
//     the keys with COUNT(*) and ANY_VALUE(value), and single_row_value
//     fails with MySQL's "Subquery returns more than 1 row"
//     (ER_SUBQUERY_NO_1_ROW) when an outer row meets a key with more than
//     one row, as MySQL fails when it evaluates the subquery for that row.
//   - NULL correlation keys match nothing, so the value is the empty
//     subquery's, as in MySQL where `t2.k = NULL` selects no row.
//
// Correlations that are not equalities between an inner and an outer
// expression, LIMIT, window functions and HAVING without GROUP BY in a
// correlated scalar subquery are ErrNotImplemented, naming the construct.

// decorrelation carries a correlated scalar subquery from bindSubquery
// through the subquery's buildSelect (which fills it) back to attach.
type decorrelation struct {
	// correlated is set when the subquery's WHERE reads the enclosing
	// query; otherwise the subquery was planned as an ordinary one.
	correlated bool
	// outerKeys bind to the enclosing clause's scope (the frame the
	// subquery was planned under); innerKeys to the subquery's FROM.
	outerKeys, innerKeys []expr.Expr
	// scalarAgg: aggregation without GROUP BY, exactly one row per key.
	scalarAgg bool
	// empty is the value of a scalarAgg subquery over no rows when it is
	// not NULL; nil otherwise.
	empty expr.Expr
	// magic, when set, is the placeholder in the subquery's plan for the
	// distinct outer key values (non-equality correlation, magicJoin).
	magic *outerValues
}

// takeDecorrelation returns and clears the pending decorrelation request,
// so that only the subquery's own SELECT (not its derived tables or nested
// subqueries) sees it.
func (s *stmtBuilder) takeDecorrelation() *decorrelation {
	d := s.q.decor
	s.q.decor = nil
	return d
}

// planScalarSubquery plans a scalar subquery, decorrelating it when its
// WHERE refers to the enclosing query. dc is nil when it is uncorrelated.
func (c *exprCtx) planScalarSubquery(q ast.ResultSetNode) (logical.Plan, *decorrelation, error) {
	sel, ok := q.(*ast.SelectStmt)
	if !ok || sel.Where == nil || c.s.q.subs == nil {
		p, err := c.planSubquery(q)
		return p, nil, err
	}
	dc := &decorrelation{}
	c.s.q.decor = dc
	p, err := c.planSubquery(q)
	c.s.q.decor = nil
	if err != nil {
		return nil, nil, err
	}
	if !dc.correlated {
		return p, nil, nil
	}
	if got := p.Schema().NumFields(); got != 1+len(dc.innerKeys) {
		return nil, nil, errs.Internalf("decorrelated subquery has %d columns, want %d", got, 1+len(dc.innerKeys))
	}
	return p, dc, nil
}

// bindSubqueryWhere binds a SELECT's WHERE clause. With dc (the SELECT is
// a scalar subquery being decorrelated) the conjuncts that read the
// enclosing query are taken out and must be equalities, which become dc's
// keys.
func (s *stmtBuilder) bindSubqueryWhere(dc *decorrelation, plan logical.Plan, sc *scope, where ast.ExprNode) (logical.Plan, error) {
	if dc == nil || len(s.q.outer) == 0 {
		return s.bindWhere(plan, sc, where)
	}
	frame := s.q.outer[len(s.q.outer)-1]
	frame.allow = true
	p, hoisted, err := s.bindWhereHoist(plan, sc, where, true)
	frame.allow = false
	if err != nil {
		return nil, err
	}
	var inner, outer []expr.Expr
	for _, h := range hoisted {
		i, o, ok := splitCorrelation(h)
		if !ok {
			return dc.magicJoin(p, hoisted)
		}
		inner, outer = append(inner, i), append(outer, o)
	}
	dc.innerKeys, dc.outerKeys = inner, outer
	dc.correlated = len(hoisted) > 0
	return p, nil
}

// magicJoin decorrelates correlated conditions that are not all
// inner = outer equalities (the "magic set" of Seshadri et al.; Neumann &
// Kemper's general unnesting): the subquery's relation is joined with the
// distinct values of the outer columns the conditions read (an
// outerValues placeholder that attach fills with SELECT DISTINCT cols
// FROM the enclosing relation) on those conditions, and those columns
// become the correlation keys. A NULL outer value matches no key when the
// value is joined back, which is right only when every condition is
// NULL whenever an outer column is: each must be a comparison other than
// <=> over NULL-propagating operands; anything else is ErrNotImplemented.
func (dc *decorrelation) magicJoin(p logical.Plan, hoisted []expr.Expr) (logical.Plan, error) {
	for _, h := range hoisted {
		if !nullRejectingOnOuter(h) {
			return nil, errs.NotImplementedf("correlated scalar subqueries are supported when each condition that refers to the outer query is a comparison (=, <>, <, <=, >, >=) of NULL-propagating expressions; rewrite '%s'", h.String())
		}
	}
	// The outer columns read, in order of first use.
	pos := map[int]int{}
	var fields []arrow.Field
	var outerKeys []expr.Expr
	for _, h := range hoisted {
		expr.Walk(h, func(n expr.Expr) bool {
			if r, ok := n.(*outerRef); ok {
				if _, seen := pos[r.idx]; !seen {
					pos[r.idx] = len(fields)
					fields = append(fields, arrow.Field{Name: r.name, Type: r.typ, Nullable: true})
					outerKeys = append(outerKeys, &expr.Column{Index: r.idx, Name: r.name, DataType: r.typ})
				}
			}
			return true
		})
	}
	width := p.Schema().NumFields()
	var cond expr.Expr
	for _, h := range hoisted {
		e := expr.Transform(h, func(n expr.Expr) expr.Expr {
			if r, ok := n.(*outerRef); ok {
				return &expr.Column{Index: width + pos[r.idx], Name: r.name, DataType: r.typ}
			}
			return n
		})
		if cond == nil {
			cond = e
			continue
		}
		var err error
		if cond, err = expr.NewBinary(expr.OpAnd, cond, e); err != nil {
			return nil, err
		}
	}
	cond, err := toBool(cond)
	if err != nil {
		return nil, err
	}
	ph := &outerValues{out: arrow.NewSchema(fields, nil)}
	dc.magic = ph
	dc.outerKeys = outerKeys
	dc.innerKeys = make([]expr.Expr, len(fields))
	for i, f := range fields {
		dc.innerKeys[i] = &expr.Column{Index: width + i, Name: f.Name, DataType: f.Type}
	}
	dc.correlated = true
	return &logical.Join{Type: logical.JoinInner, Left: p, Right: ph, Condition: cond}, nil
}

// nullRejectingOnOuter reports whether h is NULL whenever an outer column
// it reads is NULL: a comparison (not <=>) whose operands propagate NULLs.
func nullRejectingOnOuter(h expr.Expr) bool {
	b, ok := h.(*expr.Binary)
	if !ok || !b.Op.IsComparison() || b.Op == expr.OpNullSafeEq {
		return false
	}
	return nullPropagating(b.Left) && nullPropagating(b.Right)
}

func nullPropagating(e expr.Expr) bool {
	switch x := e.(type) {
	case *outerRef, *expr.Column:
		return true
	case *expr.Literal:
		return x.Value != nil
	case *expr.Cast:
		return nullPropagating(x.Input)
	case *expr.Negate:
		return nullPropagating(x.Input)
	case *expr.Binary:
		switch x.Op {
		case expr.OpAdd, expr.OpSub, expr.OpMul, expr.OpDiv, expr.OpIntDiv, expr.OpMod:
			return nullPropagating(x.Left) && nullPropagating(x.Right)
		}
	}
	return false
}

// outerValues stands, inside a decorrelated subquery's plan, for the
// distinct values of the enclosing relation's correlated columns; attach
// replaces it (fillOuterValues). It never leaves the builder.
type outerValues struct {
	out *arrow.Schema
}

func (o *outerValues) Schema() *arrow.Schema                    { return o.out }
func (o *outerValues) Children() []logical.Plan                 { return nil }
func (o *outerValues) WithChildren([]logical.Plan) logical.Plan { return o }
func (o *outerValues) String() string                           { return "OuterValues" }

// fillOuterValues replaces ph in p with values.
func fillOuterValues(p logical.Plan, ph *outerValues, values logical.Plan) logical.Plan {
	if p == logical.Plan(ph) {
		return values
	}
	ch := p.Children()
	if len(ch) == 0 {
		return p
	}
	nc := make([]logical.Plan, len(ch))
	changed := false
	for i, c := range ch {
		nc[i] = fillOuterValues(c, ph, values)
		changed = changed || nc[i] != c
	}
	if !changed {
		return p
	}
	return p.WithChildren(nc)
}

// splitCorrelation splits inner = outer (either way round) into its inner
// side (over the subquery's FROM) and its outer side (outerRefs turned into
// columns of the enclosing scope).
func splitCorrelation(h expr.Expr) (inner, outer expr.Expr, ok bool) {
	b, isBin := h.(*expr.Binary)
	if !isBin || b.Op != expr.OpEq {
		return nil, nil, false
	}
	reads := func(e expr.Expr) (outerRefs, innerCols bool) {
		expr.Walk(e, func(n expr.Expr) bool {
			switch n.(type) {
			case *outerRef:
				outerRefs = true
			case *expr.Column, *subqueryRef, *aggRef, *winRef:
				innerCols = true
			}
			return true
		})
		return
	}
	lo, li := reads(b.Left)
	ro, ri := reads(b.Right)
	switch {
	case lo && !li && !ro:
		inner, outer = b.Right, b.Left
	case ro && !ri && !lo:
		inner, outer = b.Left, b.Right
	default:
		return nil, nil, false
	}
	if !equalKeyTypes(inner, outer) {
		return nil, nil, false
	}
	outer = expr.Transform(outer, func(n expr.Expr) expr.Expr {
		if r, ok := n.(*outerRef); ok {
			return &expr.Column{Index: r.idx, Name: r.name, DataType: r.typ}
		}
		return n
	})
	return inner, outer, true
}

// extendSelect adds the correlation keys to a decorrelated subquery's
// GROUP BY (when it aggregates) and to its output (after its single
// item), and works out the empty-input value of an aggregate without
// GROUP BY.
func (dc *decorrelation) extendSelect(ctx *stmtBuilder, n *ast.SelectStmt, aggMode bool, groupBy []expr.Expr, groupNames []string, items []selectItem) ([]expr.Expr, []string, []selectItem, error) {
	if len(items) != 1 {
		return nil, nil, nil, errs.Invalidf("operand should contain 1 column(s), the subquery returns %d", len(items))
	}
	hasWin := false
	expr.Walk(items[0].e, func(e expr.Expr) bool {
		if _, ok := e.(*winRef); ok {
			hasWin = true
		}
		return !hasWin
	})
	if hasWin {
		return nil, nil, nil, errs.NotImplementedf("window functions in a correlated scalar subquery are not supported yet")
	}
	dc.scalarAgg = aggMode && n.GroupBy == nil
	if dc.scalarAgg && n.Limit != nil {
		// One row per key: LIMIT n (n >= 1) keeps it, anything else
		// would make the subquery empty.
		count, err := limitValue(n.Limit.Count)
		if err != nil {
			return nil, nil, nil, err
		}
		var offset int64
		if n.Limit.Offset != nil {
			if offset, err = limitValue(n.Limit.Offset); err != nil {
				return nil, nil, nil, err
			}
		}
		if count < 1 || offset > 0 {
			return nil, nil, nil, errs.NotImplementedf("LIMIT %d OFFSET %d in a correlated scalar subquery that aggregates without GROUP BY is not supported yet", count, offset)
		}
	}
	if dc.scalarAgg && n.Having != nil {
		return nil, nil, nil, errs.NotImplementedf("HAVING without GROUP BY in a correlated scalar subquery is not supported yet")
	}
	names := make([]string, len(dc.innerKeys))
	for i := range dc.innerKeys {
		names[i] = fmt.Sprintf("corr%d", i+1)
	}
	if aggMode {
		groupBy = append(append([]expr.Expr{}, dc.innerKeys...), groupBy...)
		groupNames = append(append([]string{}, names...), groupNames...)
	}
	out := append([]selectItem{}, items...)
	for i, k := range dc.innerKeys {
		out = append(out, selectItem{e: k, name: names[i]})
	}
	if dc.scalarAgg {
		empty, err := emptyAggregateValue(ctx, items[0].e)
		if err != nil {
			return nil, nil, nil, err
		}
		dc.empty = empty
	}
	return groupBy, groupNames, out, nil
}

// emptyAggregateValue is e (a select item of an aggregate query without
// GROUP BY, aggregates as aggRefs) over no input rows: COUNT gives 0,
// BIT_OR/BIT_XOR 0, BIT_AND all ones, the others NULL. It returns nil when
// that value is NULL.
func emptyAggregateValue(s *stmtBuilder, e expr.Expr) (expr.Expr, error) {
	var convErr error
	sub := expr.Transform(e, func(n expr.Expr) expr.Expr {
		switch x := n.(type) {
		case *aggRef:
			var v expr.Expr
			switch x.call.Func {
			case expr.AggCount:
				v = expr.NewLiteral(int64(0))
			case expr.AggBitOr, expr.AggBitXor:
				v = expr.NewLiteral(uint64(0))
			case expr.AggBitAnd:
				v = expr.NewLiteral(uint64(math.MaxUint64))
			default:
				return expr.Null(x.call.DataType)
			}
			if !arrow.TypeEqual(v.Type(), x.call.DataType) {
				c, err := expr.NewCast(v, x.call.DataType)
				if err != nil {
					convErr = err
					return expr.Null(x.call.DataType)
				}
				v = c
			}
			return v
		case *expr.Column:
			return expr.Null(x.DataType) // a non-aggregated column over no rows
		}
		return n
	})
	if convErr != nil {
		return nil, convErr
	}
	folded, _, err := expr.Fold(s.ctx, sub)
	if err != nil {
		return nil, err
	}
	if l, ok := folded.(*expr.Literal); ok && l.Value == nil {
		return nil, nil
	}
	if !expr.IsConstant(folded) {
		return nil, errs.Internalf("empty-input value of %s is not a constant", e.String())
	}
	return folded, nil
}

// attachCorrelated joins a decorrelated scalar subquery to plan (width
// columns) and appends its value as one column named it.name. outerKeys
// are already bound over plan.
func attachCorrelated(plan logical.Plan, it pendingSubquery, outerKeys []expr.Expr) (logical.Plan, error) {
	dc := it.corr
	in := plan.Schema()
	width := in.NumFields()
	sub := it.plan
	if dc.magic != nil {
		// The distinct outer key values, from the relation the subquery
		// joins to.
		names := make([]string, len(outerKeys))
		for i, f := range dc.magic.out.Fields() {
			names[i] = f.Name
		}
		values := &logical.Aggregate{Input: plan, GroupBy: outerKeys, GroupNames: names}
		sub = fillOuterValues(sub, dc.magic, values)
	}
	subSch := sub.Schema()
	vf := subSch.Field(0)
	nk := len(outerKeys)
	keys := make([]logical.EquiKey, nk)
	var value expr.Expr
	var right logical.Plan
	if dc.scalarAgg {
		// One row per key already: join on the key columns after the value.
		right = sub
		for i := range keys {
			f := subSch.Field(1 + i)
			keys[i] = logical.EquiKey{Left: outerKeys[i], Right: &expr.Column{Index: 1 + i, Name: f.Name, DataType: f.Type}}
		}
		value = &expr.Column{Index: width, Name: vf.Name, DataType: vf.Type}
		if dc.empty != nil {
			f := subSch.Field(1)
			unmatched, err := expr.NewIsNull(&expr.Column{Index: width + 1, Name: f.Name, DataType: f.Type}, false)
			if err != nil {
				return nil, err
			}
			empty := dc.empty
			if !arrow.TypeEqual(empty.Type(), vf.Type) {
				if empty, err = expr.NewCast(empty, vf.Type); err != nil {
					return nil, err
				}
			}
			if value, err = expr.NewCase([]expr.When{{Cond: unmatched, Then: empty}}, value); err != nil {
				return nil, err
			}
		}
	} else {
		// Any number of rows per key: count them and keep one value; more
		// than one fails when an outer row meets that key.
		groupBy := make([]expr.Expr, nk)
		groupNames := make([]string, nk)
		for i := range groupBy {
			f := subSch.Field(1 + i)
			groupBy[i] = &expr.Column{Index: 1 + i, Name: f.Name, DataType: f.Type}
			groupNames[i] = f.Name
			keys[i] = logical.EquiKey{Left: outerKeys[i], Right: &expr.Column{Index: i, Name: f.Name, DataType: f.Type}}
		}
		cnt, err := expr.NewAggregate(expr.AggCount, nil, false)
		if err != nil {
			return nil, err
		}
		anyv, err := expr.NewAggregate(expr.AggAnyValue, &expr.Column{Index: 0, Name: vf.Name, DataType: vf.Type}, false)
		if err != nil {
			return nil, err
		}
		right = &logical.Aggregate{Input: sub, GroupBy: groupBy, GroupNames: groupNames,
			Aggs: []expr.AggregateCall{cnt, anyv}, AggNames: []string{cnt.String(), anyv.String()}}
		value = singleRowValue(
			&expr.Column{Index: width + nk, Name: cnt.String(), DataType: cnt.DataType},
			&expr.Column{Index: width + nk + 1, Name: anyv.String(), DataType: anyv.DataType})
	}
	join := &logical.Join{Type: logical.JoinLeft, Left: plan, Right: right, Keys: keys}
	exprs := make([]expr.Expr, width+1)
	names := make([]string, width+1)
	for i := 0; i < width; i++ {
		f := in.Field(i)
		exprs[i], names[i] = &expr.Column{Index: i, Name: f.Name, DataType: f.Type}, f.Name
	}
	exprs[width], names[width] = value, it.name
	return &logical.Project{Input: join, Exprs: exprs, Names: names}, nil
}

// singleRowFunc is single_row_value(count, value): value, unless a count
// is above 1, which is MySQL's ER_SUBQUERY_NO_1_ROW. It is not in the
// function registry (users cannot call it); calls carry it in Call.Func.
var singleRowFunc = &expr.ScalarFunc{
	MinArgs: 2, MaxArgs: 2,
	Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
		return nil, args[1], nil
	},
	Kernel: func(kc expr.KernelContext, args []arrow.Array) (arrow.Array, error) {
		cnt, ok := args[0].(*array.Int64)
		if !ok {
			return nil, errs.Internalf("single_row_value: count is %s, want int64", args[0].DataType())
		}
		vals := cnt.Int64Values()
		if cnt.NullN() == 0 {
			for _, v := range vals {
				if v > 1 {
					return nil, errs.Invalidf("Subquery returns more than 1 row")
				}
			}
		} else {
			for i, v := range vals {
				if v > 1 && cnt.IsValid(i) {
					return nil, errs.Invalidf("Subquery returns more than 1 row")
				}
			}
		}
		args[1].Retain() // the caller releases its arguments and our result
		return args[1], nil
	},
}

func singleRowValue(cnt, value expr.Expr) expr.Expr {
	return &expr.Call{Name: "single_row_value", Args: []expr.Expr{cnt, value}, DataType: value.Type(), Func: singleRowFunc}
}

// limitPerKey applies a decorrelated subquery's ORDER BY ... LIMIT to each
// correlation key's rows instead of to all of them: ROW_NUMBER() over the
// rows of a key in ORDER BY order, kept when offset < rn <= offset+count.
// plan outputs the value, the keys (columns 1..len(keys)), then any hidden
// ORDER BY columns; ties are broken arbitrarily, as MySQL does.
func (dc *decorrelation) limitPerKey(plan logical.Plan, sortKeys []logical.SortKey, l *ast.Limit) (logical.Plan, error) {
	if dc.scalarAgg {
		return plan, nil // one row per key, and extendSelect let only LIMIT n >= 1 through
	}
	count, err := limitValue(l.Count)
	if err != nil {
		return nil, err
	}
	var offset int64
	if l.Offset != nil {
		if offset, err = limitValue(l.Offset); err != nil {
			return nil, err
		}
	}
	sch := plan.Schema()
	part := make([]expr.Expr, len(dc.innerKeys))
	for i := range part {
		f := sch.Field(1 + i)
		part[i] = &expr.Column{Index: 1 + i, Name: f.Name, DataType: f.Type}
	}
	rn := expr.WindowCall{Func: expr.WinRowNumber, DataType: expr.TypeInt64}
	plan = &logical.Window{Input: plan, PartitionBy: part, OrderBy: sortKeys, Funcs: []expr.WindowCall{rn}, Names: []string{"row_number"}}
	col := &expr.Column{Index: sch.NumFields(), Name: "row_number", DataType: expr.TypeInt64}
	lo, err := expr.NewBinary(expr.OpGt, col, expr.NewLiteral(offset))
	if err != nil {
		return nil, err
	}
	hi, err := expr.NewBinary(expr.OpLtEq, col, expr.NewLiteral(offset+count))
	if err != nil {
		return nil, err
	}
	pred, err := expr.NewBinary(expr.OpAnd, lo, hi)
	if err != nil {
		return nil, err
	}
	return projectPrefix(&logical.Filter{Input: plan, Predicate: pred}, sch.NumFields()), nil
}
