package planbuilder

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// selectItem is one output column of the select list, bound over the
// select's input (aggregates as aggRef until the group rewrite).
type selectItem struct {
	e      expr.Expr
	name   string
	hasAgg bool
}

func (s *stmtBuilder) buildSelect(n *ast.SelectStmt) (logical.Plan, error) {
	switch {
	case n.Kind == ast.SelectStmtKindTable:
		return nil, errs.NotImplementedf("TABLE statements are not supported yet")
	case n.Kind == ast.SelectStmtKindValues:
		return nil, errs.NotImplementedf("VALUES statements are not supported yet")
	case n.SelectIntoOpt != nil:
		return nil, errs.NotImplementedf("SELECT ... INTO is not supported")
	case n.LockInfo != nil && n.LockInfo.LockType != ast.SelectLockNone:
		return nil, errs.NotImplementedf("SELECT ... FOR UPDATE/SHARE is not supported")
	}

	dc := s.takeDecorrelation() // a correlated scalar subquery (subquery_correlated.go)
	restore, err := s.beginSelect(n.With)
	if err != nil {
		return nil, err
	}
	defer restore()

	if err := resolveNamedWindows(n); err != nil { // window.go
		return nil, err
	}
	plan, sc, err := s.buildFrom(n.From)
	if err != nil {
		return nil, err
	}

	// WHERE (its subqueries join below the filter: subquery.go)
	if n.Where != nil {
		if plan, err = s.bindSubqueryWhere(dc, plan, sc, n.Where); err != nil {
			return nil, err
		}
	}

	aggMode := n.GroupBy != nil
	if !aggMode {
		for _, f := range n.Fields.Fields {
			aggMode = aggMode || hasAggregate(f.Expr)
		}
		if n.Having != nil {
			aggMode = aggMode || hasAggregate(n.Having.Expr)
		}
		if n.OrderBy != nil {
			for _, it := range n.OrderBy.Items {
				aggMode = aggMode || hasAggregate(it.Expr)
			}
		}
	}
	var aggs *aggCollector
	if aggMode {
		aggs = &aggCollector{}
	}

	// Select list, bound over the input (phase A).
	items, err := s.bindSelectList(n.Fields.Fields, sc, aggs)
	if err != nil {
		return nil, err
	}
	aliases := make([]selectAlias, len(items))
	for i, it := range items {
		aliases[i] = selectAlias{name: it.name, e: it.e, hasAgg: it.hasAgg}
	}

	// GROUP BY keys, over the input.
	var groupBy []expr.Expr
	var groupNames []string
	if n.GroupBy != nil {
		groupBy, groupNames, err = s.bindGroupBy(n.GroupBy.Items, sc, items, aliases)
		if err != nil {
			return nil, err
		}
	}

	// HAVING (phase A).
	var having expr.Expr
	if n.Having != nil {
		c := &exprCtx{s: s, sc: sc, clause: "having clause", aggs: aggs, aliases: aliases, groupCols: groupKeyColumns(groupBy)}
		if having, err = c.bind(n.Having.Expr); err != nil {
			return nil, err
		}
	}

	// ORDER BY (phase A): a key is either an output column (position,
	// alias) or an expression over the input.
	type orderKey struct {
		out  int // output column, or -1
		e    expr.Expr
		desc bool
	}
	var order []orderKey
	if n.OrderBy != nil {
		for _, it := range n.OrderBy.Items {
			k := orderKey{out: -1, desc: it.Desc}
			if k.out, err = outputRef(it.Expr, items, "order clause"); err != nil {
				return nil, err
			}
			if k.out < 0 {
				c := &exprCtx{s: s, sc: sc, clause: "order clause", aggs: aggs, aliases: aliases, aliasFirst: true}
				if k.e, err = c.bind(it.Expr); err != nil {
					return nil, err
				}
			}
			order = append(order, k)
		}
	}

	if dc != nil && dc.correlated {
		if groupBy, groupNames, items, err = dc.extendSelect(s, n, aggMode, groupBy, groupNames, items); err != nil {
			return nil, err
		}
	}

	// Aggregate, then rebind everything above it over its output (phase B).
	if err := checkAggregateArgs(aggs, groupBy); err != nil {
		return nil, err
	}
	var probeRewrite func(expr.Expr) (expr.Expr, error) // IN probes over the aggregate's output
	if aggMode {
		bound := []expr.Expr{having}
		for i := range items {
			bound = append(bound, items[i].e)
		}
		for i := range order {
			bound = append(bound, order[i].e)
		}
		deps, err := s.groupDependencies(n, sc, groupBy, aggs, bound) // groupfd.go
		if err != nil {
			return nil, err
		}
		g := &groupRewriter{groupKeys: map[string]int{}, groupBy: groupBy, groupNames: groupNames, sc: sc, levelCol: -1, deps: deps}
		for i, e := range groupBy {
			if _, dup := g.groupKeys[exprKey(e)]; !dup {
				g.groupKeys[exprKey(e)] = i
			}
		}
		aggNames := make([]string, len(aggs.calls))
		for i, c := range aggs.calls {
			aggNames[i] = c.String()
		}
		orderExprs := make([]expr.Expr, len(order))
		for i := range order {
			orderExprs[i] = order[i].e
		}
		if plan, err = g.aggregate(n, plan, aggs.calls, aggNames, items, having, orderExprs); err != nil { // rollup.go
			return nil, err
		}
		grouped := n.GroupBy != nil
		probeRewrite = func(e expr.Expr) (expr.Expr, error) {
			r, col, err := g.rewrite(e)
			if err != nil {
				return nil, g.notGroupedError("IN (subquery) of the SELECT list", 1, col, grouped)
			}
			return r, nil
		}
		for i := range items {
			e, col, err := g.rewrite(items[i].e)
			if err != nil {
				return nil, g.notGroupedError("SELECT list", i+1, col, grouped)
			}
			items[i].e = e
		}
		if having != nil {
			e, col, err := g.rewrite(having)
			if err != nil {
				return nil, errs.Invalidf("non-grouping field '%s' is used in HAVING clause", col.Name)
			}
			having = e
		}
		for i := range order {
			if order[i].e == nil {
				continue
			}
			e, col, err := g.rewrite(order[i].e)
			if err != nil {
				return nil, g.notGroupedError("ORDER BY clause", i+1, col, grouped)
			}
			order[i].e = e
		}
	}
	// Subqueries of the select list, HAVING and ORDER BY join above the
	// aggregate (or the input).
	plan, resolveSubs, err := s.q.subs.attach(plan, probeRewrite)
	if err != nil {
		return nil, err
	}
	for i := range items {
		items[i].e = resolveSubs(items[i].e)
	}
	if having != nil {
		having = resolveSubs(having)
	}
	for i := range order {
		if order[i].e != nil {
			order[i].e = resolveSubs(order[i].e)
		}
	}
	if having != nil {
		if having, err = toBool(having); err != nil {
			return nil, err
		}
		plan = &logical.Filter{Input: plan, Predicate: having}
	}

	// Window functions run over the grouped, filtered rows (window.go).
	winTargets := make([]*expr.Expr, 0, len(items)+len(order))
	for i := range items {
		winTargets = append(winTargets, &items[i].e)
	}
	for i := range order {
		if order[i].e != nil {
			winTargets = append(winTargets, &order[i].e)
		}
	}
	if plan, err = buildWindows(plan, winTargets); err != nil {
		return nil, err
	}

	// Project: the select list, then hidden ORDER BY keys.
	exprs := make([]expr.Expr, len(items))
	names := make([]string, len(items))
	keys := make(map[string]int, len(items))
	for i, it := range items {
		exprs[i], names[i] = it.e, it.name
		if _, dup := keys[exprKey(it.e)]; !dup {
			keys[exprKey(it.e)] = i
		}
	}
	visible := len(exprs)
	sortKeys := make([]logical.SortKey, len(order))
	for i, k := range order {
		col := k.out
		if col < 0 {
			if j, ok := keys[exprKey(k.e)]; ok {
				col = j
			} else {
				if n.Distinct {
					return nil, errs.Invalidf("Expression #%d of ORDER BY clause is not in SELECT list, references %s which is not in SELECT list; this is incompatible with DISTINCT", i+1, k.e.String())
				}
				col = len(exprs)
				keys[exprKey(k.e)] = col
				exprs = append(exprs, k.e)
				names = append(names, k.e.String())
			}
		}
		sortKeys[i] = logical.SortKey{
			Expr:       &expr.Column{Index: col, Name: names[col], DataType: exprs[col].Type()},
			Desc:       k.desc,
			NullsFirst: !k.desc, // MySQL: NULLs first ascending, last descending
		}
	}
	plan = &logical.Project{Input: plan, Exprs: exprs, Names: names}

	if n.Distinct {
		cols := make([]expr.Expr, len(exprs))
		for i := range exprs {
			cols[i] = &expr.Column{Index: i, Name: names[i], DataType: exprs[i].Type()}
		}
		plan = &logical.Aggregate{Input: plan, GroupBy: cols, GroupNames: names}
	}
	switch {
	case dc != nil && dc.correlated && n.Limit != nil:
		// ORDER BY ... LIMIT per correlation key (subquery_correlated.go).
		if plan, err = dc.limitPerKey(plan, sortKeys, n.Limit); err != nil {
			return nil, err
		}
	default:
		if len(sortKeys) > 0 {
			plan = &logical.Sort{Input: plan, Keys: sortKeys}
		}
		if n.Limit != nil {
			if plan, err = s.buildLimit(plan, n.Limit); err != nil {
				return nil, err
			}
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

// bindSelectList expands wildcards and binds each item over the input.
func (s *stmtBuilder) bindSelectList(fields []*ast.SelectField, sc *scope, aggs *aggCollector) ([]selectItem, error) {
	var items []selectItem
	for _, f := range fields {
		if f.WildCard != nil {
			n := 0
			for i, col := range sc.cols {
				if f.WildCard.Table.O != "" && !col.tableMatches(f.WildCard.Schema.O, f.WildCard.Table.O) {
					continue
				}
				if f.WildCard.Table.O == "" && col.hidden {
					continue
				}
				items = append(items, selectItem{e: &expr.Column{Index: i, Name: col.name, DataType: col.typ}, name: col.name})
				n++
			}
			if f.WildCard.Table.O != "" && n == 0 {
				t := f.WildCard.Table.O
				if f.WildCard.Schema.O != "" {
					t = f.WildCard.Schema.O + "." + t
				}
				return nil, errs.NotFoundf("unknown table '%s'", t)
			}
			if f.WildCard.Table.O == "" && len(sc.cols) == 0 {
				return nil, errs.Invalidf("no tables used")
			}
			continue
		}
		c := &exprCtx{s: s, sc: sc, clause: "field list", aggs: aggs}
		e, err := c.bind(f.Expr)
		if err != nil {
			return nil, err
		}
		items = append(items, selectItem{e: e, name: fieldName(f), hasAgg: containsAgg(e)})
	}
	return items, nil
}

// fieldName is MySQL's name for an unaliased select item: a column's name
// as written, a string literal's value, otherwise the expression's text.
func fieldName(f *ast.SelectField) string {
	if f.AsName.O != "" {
		return f.AsName.O
	}
	switch e := f.Expr.(type) {
	case *ast.ColumnNameExpr:
		return e.Name.Name.O
	case *test_driver.ValueExpr:
		if e.Kind() == test_driver.KindString {
			return e.GetString()
		}
	}
	if t := strings.TrimSpace(f.Text()); t != "" {
		return t
	}
	return strings.TrimSpace(f.OriginalText())
}

// outputRef resolves a GROUP BY/ORDER BY item that names an output column
// directly: a position (1-based) or an unqualified select-list name. It
// returns -1 for anything else.
func outputRef(n ast.ExprNode, items []selectItem, clause string) (int, error) {
	switch e := n.(type) {
	case *ast.PositionExpr:
		if e.P != nil {
			return -1, errs.NotImplementedf("parameter placeholders (?) are not supported yet")
		}
		if e.N < 1 || e.N > len(items) {
			return -1, errs.NotFoundf("unknown column '%d' in '%s'", e.N, clause)
		}
		return e.N - 1, nil
	case *ast.ColumnNameExpr:
		if clause != "order clause" || e.Name.Table.O != "" || e.Name.Schema.O != "" {
			return -1, nil
		}
		found := -1
		for i, it := range items {
			if !strings.EqualFold(it.name, e.Name.Name.O) {
				continue
			}
			if found >= 0 && exprKey(items[found].e) != exprKey(it.e) {
				return -1, errs.Invalidf("column '%s' in order clause is ambiguous", e.Name.Name.O)
			}
			if found < 0 {
				found = i
			}
		}
		return found, nil
	}
	return -1, nil
}

// bindGroupBy binds GROUP BY items: positions and aliases name select
// items; names resolve to input columns before aliases (MySQL).
func (s *stmtBuilder) bindGroupBy(byItems []*ast.ByItem, sc *scope, items []selectItem, aliases []selectAlias) ([]expr.Expr, []string, error) {
	var keys []expr.Expr
	var names []string
	for _, it := range byItems {
		out, err := outputRef(it.Expr, items, "group statement")
		if err != nil {
			return nil, nil, err
		}
		if out >= 0 {
			if items[out].hasAgg {
				return nil, nil, errs.Invalidf("can't group on '%s'", items[out].name)
			}
			keys = append(keys, items[out].e)
			names = append(names, items[out].name)
			continue
		}
		c := &exprCtx{s: s, sc: sc, clause: "group statement", aliases: aliases}
		e, err := c.bind(it.Expr)
		if err != nil {
			return nil, nil, err
		}
		name := e.String()
		if cn, ok := it.Expr.(*ast.ColumnNameExpr); ok {
			name = cn.Name.Name.O
		}
		keys = append(keys, e)
		names = append(names, name)
	}
	return keys, names, nil
}

func (s *stmtBuilder) buildLimit(plan logical.Plan, l *ast.Limit) (logical.Plan, error) {
	count, err := s.limitArg(l.Count) // params.go: LIMIT ? too
	if err != nil {
		return nil, err
	}
	var offset int64
	if l.Offset != nil {
		if offset, err = s.limitArg(l.Offset); err != nil {
			return nil, err
		}
	}
	return &logical.Limit{Input: plan, Offset: offset, Count: count}, nil
}

func limitValue(n ast.ExprNode) (int64, error) {
	switch v := n.(type) {
	case *test_driver.ValueExpr:
		switch v.Kind() {
		case test_driver.KindInt64:
			if v.GetInt64() >= 0 {
				return v.GetInt64(), nil
			}
		case test_driver.KindUint64:
			u := v.GetUint64()
			if u > 1<<62 {
				u = 1 << 62 // larger than any result; keeps offset+count from overflowing
			}
			return int64(u), nil
		}
	case *test_driver.ParamMarkerExpr:
		return 0, errs.NotImplementedf("parameter placeholders (?) in LIMIT are not supported yet")
	}
	return 0, errs.Invalidf("LIMIT and OFFSET take non-negative integer constants")
}
