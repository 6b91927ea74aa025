package planbuilder

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/logical"
)

// queryState is the part of a statement's binding state that nested
// queries share: the WITH definitions in force, the scopes of the
// enclosing queries (for outer references) and the subqueries the current
// SELECT has collected. buildSelect saves and restores it around each
// nested query.
type queryState struct {
	// ctes is the innermost WITH definition visible, linked to outer ones.
	ctes *cteDef
	// outer are the scopes of enclosing queries, innermost last.
	outer []*outerFrame
	// subs collects the scalar/IN/EXISTS subqueries bound by the current
	// clause (see subquery.go); nil outside a SELECT.
	subs *subqueryCollector
	// nextSub numbers SubqueryJoin columns within the statement.
	nextSub int
	// nextCTE numbers recursive CTEs within the statement.
	nextCTE int
	// decor, when set, asks the next buildSelect to decorrelate its query
	// as a scalar subquery (subquery_correlated.go); buildSelect clears it.
	decor *decorrelation
}

// cteDef is one common table expression. Every reference builds the query
// anew (CTEs are inlined), in the environment it was defined in: the CTEs
// before it in the same WITH and those of enclosing queries.
type cteDef struct {
	name  string
	query ast.ResultSetNode
	cols  []string
	env   *cteDef // visible while building query
	prev  *cteDef // the next definition to search
	// recursive marks a CTE of WITH RECURSIVE while its own body is being
	// checked: referring to it is a recursive reference.
	building  bool
	recursive bool
	// work is set while the recursive members of a WITH RECURSIVE CTE
	// are built: references to the CTE read this work table
	// (cte_recursive.go).
	work *logical.WorkTable
}

// lookupCTE finds the CTE an unqualified table name refers to (names are
// case-insensitive here, like table aliases on case-insensitive systems).
func (q *queryState) lookupCTE(name string) *cteDef {
	for d := q.ctes; d != nil; d = d.prev {
		if strings.EqualFold(d.name, name) {
			return d
		}
	}
	return nil
}

// pushWith makes a WITH clause's definitions visible; the returned function
// restores the previous ones.
func (s *stmtBuilder) pushWith(w *ast.WithClause) (func(), error) {
	saved := s.q.ctes
	restore := func() { s.q.ctes = saved }
	seen := map[string]bool{}
	for _, c := range w.CTEs {
		name := strings.ToLower(c.Name.O)
		if seen[name] {
			restore()
			return nil, errs.Invalidf("not unique table/alias: '%s'", c.Name.O)
		}
		seen[name] = true
		if c.Query == nil || c.Query.Query == nil {
			restore()
			return nil, errs.Invalidf("common table expression '%s' has no query", c.Name.O)
		}
		d := &cteDef{name: c.Name.O, query: c.Query.Query, env: s.q.ctes, prev: s.q.ctes, recursive: w.IsRecursive || c.IsRecursive}
		for _, cn := range c.ColNameList {
			d.cols = append(d.cols, cn.O)
		}
		if d.recursive {
			// A recursive CTE sees itself; a reference is reported as not
			// supported when its body is built.
			d.env = d
		}
		s.q.ctes = d
	}
	return restore, nil
}

// buildCTERef builds a reference to a CTE in FROM, named alias (or the
// CTE's name).
func (s *stmtBuilder) buildCTERef(d *cteDef, alias string) (logical.Plan, *scope, error) {
	if alias == "" {
		alias = d.name
	}
	if d.work != nil {
		return derivedScope(d.work, alias, nil, "common table expression")
	}
	if d.recursive && !d.building && refersToTable(d.query, d.name) {
		return s.buildRecursiveCTE(d, alias) // cte_recursive.go
	}
	if d.building {
		if d.recursive {
			return nil, nil, errs.NotImplementedf("recursive common table expressions are not supported yet ('%s' refers to itself)", d.name)
		}
		return nil, nil, errs.Invalidf("common table expression '%s' refers to itself", d.name)
	}
	if alias == "" {
		alias = d.name
	}
	savedCTEs := s.q.ctes
	s.q.ctes = d.env
	d.building = true
	plan, err := s.buildQuery(d.query)
	d.building = false
	s.q.ctes = savedCTEs
	if err != nil {
		return nil, nil, err
	}
	return derivedScope(plan, alias, d.cols, "common table expression")
}

// buildDerived builds a subquery in FROM: (SELECT ...) AS alias [(cols)].
func (s *stmtBuilder) buildDerived(src ast.ResultSetNode, ts *ast.TableSource) (logical.Plan, *scope, error) {
	if ts.AsName.O == "" {
		return nil, nil, errs.Invalidf("every derived table must have its own alias")
	}
	if ts.Lateral {
		return nil, nil, errs.NotImplementedf("LATERAL derived tables are not supported yet")
	}
	plan, err := s.buildQuery(src)
	if err != nil {
		return nil, nil, err
	}
	cols := make([]string, len(ts.ColumnNames))
	for i, c := range ts.ColumnNames {
		cols[i] = c.O
	}
	return derivedScope(plan, ts.AsName.O, cols, "derived table")
}

// derivedScope names a derived table's or CTE's columns: its own column
// list when given, else the query's output names; duplicates are an error
// as in MySQL.
func derivedScope(plan logical.Plan, alias string, cols []string, what string) (logical.Plan, *scope, error) {
	sch := plan.Schema()
	if len(cols) > 0 && len(cols) != sch.NumFields() {
		return nil, nil, errs.Invalidf("in definition of %s '%s', SELECT list and column names list have different column counts (%d and %d)", what, alias, sch.NumFields(), len(cols))
	}
	sc := &scope{cols: make([]scopeColumn, sch.NumFields())}
	seen := map[string]bool{}
	for i, f := range sch.Fields() {
		name := f.Name
		if len(cols) > 0 {
			name = cols[i]
		}
		key := strings.ToLower(name)
		if seen[key] {
			return nil, nil, errs.Invalidf("duplicate column name '%s' in %s '%s'", name, what, alias)
		}
		seen[key] = true
		sc.cols[i] = scopeColumn{table: alias, name: name, typ: f.Type}
	}
	return plan, sc, nil
}

// buildQuery builds any query expression: a SELECT, a set operation, a
// parenthesized one, or a subquery node wrapping one.
func (s *stmtBuilder) buildQuery(n ast.Node) (logical.Plan, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	switch q := n.(type) {
	case *ast.SelectStmt:
		return s.buildSelect(q)
	case *ast.SetOprStmt:
		return s.buildSetOpr(q)
	case *ast.SetOprSelectList:
		return s.buildSetOprList(q)
	case *ast.SubqueryExpr:
		return s.buildQuery(q.Query)
	}
	return nil, errs.NotImplementedf("%T as a query is not supported", n)
}
