package planbuilder

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// WITH RECURSIVE (MySQL 8 semantics). A CTE of a WITH RECURSIVE clause
// that refers to itself must be a UNION [ALL|DISTINCT] of one or more
// non-recursive query blocks (the anchor) followed by one or more
// recursive blocks, each reading the CTE exactly once, in its FROM, and
// using no aggregation, window function, GROUP BY, DISTINCT, ORDER BY or
// LIMIT. The CTE's column types are the anchor's; each recursive block's
// values are cast to them. It is planned as a logical.RecursiveCTE whose
// recursive plan reads a logical.WorkTable (the previous round's rows).
// Recursion stops when a round adds no row; starting round 1001
// (cte_max_recursion_depth) is an error.

// refersToTable reports whether the query reads an unqualified table of
// that name anywhere (subqueries included).
func refersToTable(n ast.Node, name string) bool {
	v := &tableRefFinder{name: strings.ToLower(name)}
	n.Accept(v)
	return v.found
}

type tableRefFinder struct {
	name  string
	found bool
}

func (v *tableRefFinder) Enter(n ast.Node) (ast.Node, bool) {
	if t, ok := n.(*ast.TableName); ok && t.Schema.O == "" && strings.ToLower(t.Name.O) == v.name {
		v.found = true
	}
	return n, v.found
}

func (v *tableRefFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// windowFinder reports window function calls.
type windowFinder struct{ found bool }

func (v *windowFinder) Enter(n ast.Node) (ast.Node, bool) {
	switch n.(type) {
	case *ast.WindowFuncExpr:
		v.found = true
	case *ast.SubqueryExpr:
		return n, true
	}
	return n, v.found
}

func (v *windowFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// buildRecursiveCTE plans a reference to a self-referencing CTE of WITH
// RECURSIVE.
func (s *stmtBuilder) buildRecursiveCTE(d *cteDef, alias string) (logical.Plan, *scope, error) {
	var list *ast.SetOprSelectList
	switch q := d.query.(type) {
	case *ast.SetOprStmt:
		if q.OrderBy != nil || q.Limit != nil {
			return nil, nil, errs.NotImplementedf("ORDER BY or LIMIT on recursive common table expression '%s' is not supported yet", d.name)
		}
		if q.With != nil {
			return nil, nil, errs.NotImplementedf("a WITH clause inside recursive common table expression '%s' is not supported yet", d.name)
		}
		list = q.SelectList
	default:
		return nil, nil, errs.Invalidf("Recursive Common Table Expression '%s' should contain a UNION", d.name)
	}
	if list == nil || list.OrderBy != nil || list.Limit != nil || list.With != nil {
		return nil, nil, errs.NotImplementedf("this form of recursive common table expression '%s' is not supported yet", d.name)
	}
	first := -1
	for i, sel := range list.Selects {
		rec := refersToTable(sel, d.name)
		switch {
		case rec && first < 0:
			first = i
		case !rec && first >= 0:
			first = 0 // a non-recursive block after a recursive one
		}
		if first == 0 {
			return nil, nil, errs.Invalidf("Recursive Common Table Expression '%s' should have one or more non-recursive query blocks followed by one or more recursive ones", d.name)
		}
	}
	distinct := false
	for i := first; i < len(list.Selects); i++ {
		var after *ast.SetOprType
		switch q := list.Selects[i].(type) {
		case *ast.SelectStmt:
			after = q.AfterSetOperator
		case *ast.SetOprSelectList:
			after = q.AfterSetOperator
		}
		if after == nil {
			return nil, nil, errs.Internalf("recursive query block of '%s' has no set operator", d.name)
		}
		switch *after {
		case ast.Union:
			distinct = true
		case ast.UnionAll:
		default:
			return nil, nil, errs.Invalidf("Recursive Common Table Expression '%s' should contain a UNION (INTERSECT and EXCEPT cannot combine its query blocks)", d.name)
		}
	}

	savedCTEs := s.q.ctes
	defer func() { s.q.ctes = savedCTEs }()
	s.q.ctes = d.env

	// The anchor, with the CTE not yet visible as a table.
	d.building = true
	var anchor logical.Plan
	var err error
	if first == 1 {
		anchor, err = s.buildQuery(list.Selects[0])
	} else {
		anchor, err = s.buildSetOprList(&ast.SetOprSelectList{Selects: list.Selects[:first]})
	}
	d.building = false
	if err != nil {
		return nil, nil, err
	}
	asch := anchor.Schema()
	if len(d.cols) > 0 && len(d.cols) != asch.NumFields() {
		return nil, nil, errs.Invalidf("in definition of common table expression '%s', SELECT list and column names list have different column counts (%d and %d)", d.name, asch.NumFields(), len(d.cols))
	}
	fields := make([]arrow.Field, asch.NumFields())
	for i, f := range asch.Fields() {
		name := f.Name
		if len(d.cols) > 0 {
			name = d.cols[i]
		}
		fields[i] = arrow.Field{Name: name, Type: f.Type, Nullable: true}
	}
	out := arrow.NewSchema(fields, nil)
	s.q.nextCTE++
	id := s.q.nextCTE

	// The recursive blocks, reading the work table.
	d.work = &logical.WorkTable{ID: id, Name: d.name, Out: out}
	members := make([]logical.Plan, 0, len(list.Selects)-first)
	for _, sel := range list.Selects[first:] {
		if err := checkRecursiveBlock(d.name, sel); err != nil {
			d.work = nil
			return nil, nil, err
		}
		p, err := s.buildQuery(sel)
		if err != nil {
			d.work = nil
			return nil, nil, err
		}
		if refs := countWorkTables(p, id); refs != 1 {
			d.work = nil
			return nil, nil, errs.Invalidf("In recursive query block of Recursive Common Table Expression '%s', the recursive table must be referenced only once, and not in any subquery", d.name)
		}
		if p, err = castToSchema(p, out); err != nil {
			d.work = nil
			return nil, nil, err
		}
		members = append(members, p)
	}
	d.work = nil
	recursive := members[0]
	if len(members) > 1 {
		recursive = &logical.Union{Inputs: members, Out: out}
	}
	node := &logical.RecursiveCTE{ID: id, Name: d.name, Anchor: anchor, Recursive: recursive, Distinct: distinct, Out: out, MaxDepth: s.maxRecursionDepth()}
	return derivedScope(node, alias, nil, "common table expression")
}

// checkRecursiveBlock applies MySQL's restrictions on a recursive query
// block (ER_CTE_RECURSIVE_FORBIDS_AGGREGATION and friends).
func checkRecursiveBlock(name string, n ast.Node) error {
	sel, ok := n.(*ast.SelectStmt)
	if !ok {
		return errs.NotImplementedf("a parenthesized set operation as a recursive query block of '%s' is not supported yet", name)
	}
	agg := sel.GroupBy != nil || sel.Having != nil || len(sel.WindowSpecs) > 0
	if sel.Fields != nil {
		for _, f := range sel.Fields.Fields {
			if f.Expr == nil {
				continue
			}
			w := &windowFinder{}
			f.Expr.Accept(w)
			agg = agg || hasAggregate(f.Expr) || w.found
		}
	}
	if agg {
		return errs.Invalidf("Recursive Common Table Expression '%s' can contain neither aggregation nor window functions in recursive query block", name)
	}
	if sel.Distinct || sel.OrderBy != nil || sel.Limit != nil {
		return errs.Invalidf("Recursive Common Table Expression '%s' can contain neither DISTINCT, ORDER BY nor LIMIT in recursive query block", name)
	}
	return nil
}

// countWorkTables counts the reads of work table id in p.
func countWorkTables(p logical.Plan, id int) int {
	n := 0
	if w, ok := p.(*logical.WorkTable); ok && w.ID == id {
		n++
	}
	for _, c := range p.Children() {
		n += countWorkTables(c, id)
	}
	return n
}

// castToSchema projects p's columns to out's types (and names).
func castToSchema(p logical.Plan, out *arrow.Schema) (logical.Plan, error) {
	in := p.Schema()
	if in.NumFields() != out.NumFields() {
		return nil, errs.Invalidf("The used SELECT statements have a different number of columns (%d and %d)", out.NumFields(), in.NumFields())
	}
	exprs := make([]expr.Expr, out.NumFields())
	names := make([]string, out.NumFields())
	same := true
	for i, f := range in.Fields() {
		var e expr.Expr = &expr.Column{Index: i, Name: f.Name, DataType: f.Type}
		want := out.Field(i).Type
		if !arrow.TypeEqual(f.Type, want) {
			c, err := expr.NewCast(e, want)
			if err != nil {
				return nil, err
			}
			e, same = c, false
		}
		exprs[i], names[i] = e, out.Field(i).Name
	}
	if same {
		return p, nil
	}
	return &logical.Project{Input: p, Exprs: exprs, Names: names}, nil
}

// maxRecursionDepth is the session's cte_max_recursion_depth option, or
// MySQL's default 1000 (the server validates the option's text).
func (s *stmtBuilder) maxRecursionDepth() int64 {
	if v, ok := s.b.Options.Get("cte_max_recursion_depth"); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return n
		}
	}
	return logical.DefaultMaxRecursionDepth
}
