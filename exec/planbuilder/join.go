package planbuilder

import (
	"sort"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// buildJoin binds `left JOIN right` (INNER, CROSS, comma, LEFT, RIGHT,
// STRAIGHT_JOIN, ON, USING, NATURAL). The scope is the left scope followed
// by the right one; the ON condition binds over it (MySQL: only the tables
// of this join are visible there). The plan is a logical.Join with the whole
// ON condition in Condition; the optimizer extracts the equi-keys.
//
// USING and NATURAL coalesce the join columns as MySQL does: the output
// starts with one column per join column (the left table's value for
// INNER/LEFT, the right's for RIGHT), then the remaining columns of the
// first table (the right one for RIGHT JOIN), then of the other. The
// original columns stay reachable with a qualifier (t1.a) but are hidden
// from unqualified names and `*`.
func (s *stmtBuilder) buildJoin(n *ast.Join) (logical.Plan, *scope, error) {
	left, lsc, err := s.buildResultSet(n.Left)
	if err != nil {
		return nil, nil, err
	}
	right, rsc, err := s.buildResultSet(n.Right)
	if err != nil {
		return nil, nil, err
	}
	if err := checkUniqueTables(lsc, rsc); err != nil {
		return nil, nil, err
	}
	jt := logical.JoinCross
	switch n.Tp {
	case ast.LeftJoin:
		jt = logical.JoinLeft
	case ast.RightJoin:
		jt = logical.JoinRight
	}
	sc := &scope{cols: append(append([]scopeColumn(nil), lsc.cols...), rsc.cols...)}

	var using []string
	switch {
	case n.NaturalJoin:
		for _, lc := range lsc.cols {
			if lc.hidden {
				continue
			}
			for _, rc := range rsc.cols {
				if !rc.hidden && strings.EqualFold(lc.name, rc.name) {
					using = append(using, lc.name)
					break
				}
			}
		}
	case len(n.Using) > 0:
		for _, c := range n.Using {
			using = append(using, c.Name.O)
		}
	}
	if len(using) > 0 {
		return s.buildUsingJoin(jt, left, right, lsc, rsc, using)
	}

	var cond expr.Expr
	if n.On != nil {
		c := &exprCtx{s: s, sc: sc, clause: "on clause"}
		if cond, err = c.bind(n.On.Expr); err != nil {
			return nil, nil, err
		}
		if cond, err = toBool(cond); err != nil {
			return nil, nil, err
		}
	}
	if jt == logical.JoinCross && cond != nil {
		jt = logical.JoinInner
	}
	if jt != logical.JoinCross && jt != logical.JoinInner && cond == nil && !n.NaturalJoin {
		return nil, nil, errs.Invalidf("%s JOIN needs an ON or USING clause", strings.ToUpper(jt.String()))
	}
	return &logical.Join{Type: jt, Left: left, Right: right, Condition: cond}, sc, nil
}

// checkUniqueTables fails when both sides of a join expose the same table
// name or alias (MySQL: "Not unique table/alias").
func checkUniqueTables(l, r *scope) error {
	seen := map[string]bool{}
	for _, c := range l.cols {
		if c.table != "" {
			seen[strings.ToLower(c.schema)+"."+strings.ToLower(c.table)] = true
		}
	}
	for _, c := range r.cols {
		if c.table != "" && seen[strings.ToLower(c.schema)+"."+strings.ToLower(c.table)] {
			return errs.Invalidf("not unique table/alias: '%s'", c.table)
		}
	}
	return nil
}

// findUsing resolves a USING column on one side: a visible column of that
// name (exactly one).
func findUsing(sc *scope, name, side string) (int, error) {
	found := -1
	for i, c := range sc.cols {
		if c.hidden || !strings.EqualFold(c.name, name) {
			continue
		}
		if found >= 0 {
			return -1, errs.Invalidf("column '%s' in from clause is ambiguous", name)
		}
		found = i
	}
	if found < 0 {
		return -1, errs.NotFoundf("unknown column '%s' in 'from clause' (not in the %s table of the join)", name, side)
	}
	return found, nil
}

func (s *stmtBuilder) buildUsingJoin(jt logical.JoinType, left, right logical.Plan, lsc, rsc *scope, using []string) (logical.Plan, *scope, error) {
	nl := len(lsc.cols)
	if jt == logical.JoinCross {
		jt = logical.JoinInner
	}
	var conj []expr.Expr
	lIdx := make([]int, len(using))
	rIdx := make([]int, len(using))
	seen := map[string]bool{}
	for k, name := range using {
		if seen[strings.ToLower(name)] {
			return nil, nil, errs.Invalidf("duplicate column name '%s' in USING", name)
		}
		seen[strings.ToLower(name)] = true
		li, err := findUsing(lsc, name, "left")
		if err != nil {
			return nil, nil, err
		}
		ri, err := findUsing(rsc, name, "right")
		if err != nil {
			return nil, nil, err
		}
		lIdx[k], rIdx[k] = li, ri
		lc, rc := lsc.cols[li], rsc.cols[ri]
		eq, err := expr.NewBinary(expr.OpEq,
			&expr.Column{Index: li, Name: lc.name, DataType: lc.typ},
			&expr.Column{Index: nl + ri, Name: rc.name, DataType: rc.typ})
		if err != nil {
			return nil, nil, errs.Wrap(errs.ErrInvalid, err, "USING (%s)", name)
		}
		conj = append(conj, eq)
	}
	join := &logical.Join{Type: jt, Left: left, Right: right, Condition: expr.Conjoin(conj)}

	// Output: coalesced columns, then the first table's columns, then the
	// other's (RIGHT JOIN: the right table is the first).
	type part struct {
		sc     *scope
		offset int
		join   []int // the side's join columns
	}
	first, second := part{lsc, 0, lIdx}, part{rsc, nl, rIdx}
	if jt == logical.JoinRight {
		first, second = second, first
	}
	// MySQL lists the coalesced columns in the first table's column order,
	// whatever the order of the USING list.
	ks := make([]int, len(using))
	for k := range ks {
		ks[k] = k
	}
	sort.SliceStable(ks, func(a, b int) bool { return first.join[ks[a]] < first.join[ks[b]] })
	var exprs []expr.Expr
	var names []string
	out := &scope{}
	for _, k := range ks {
		c := first.sc.cols[first.join[k]]
		exprs = append(exprs, &expr.Column{Index: first.offset + first.join[k], Name: c.name, DataType: c.typ})
		names = append(names, c.name)
		out.cols = append(out.cols, scopeColumn{name: c.name, typ: c.typ})
	}
	for _, p := range []part{first, second} {
		isJoinCol := map[int]bool{}
		for _, i := range p.join {
			isJoinCol[i] = true
		}
		for i, c := range p.sc.cols {
			exprs = append(exprs, &expr.Column{Index: p.offset + i, Name: c.name, DataType: c.typ})
			names = append(names, c.name)
			if isJoinCol[i] {
				c.hidden = true
			}
			out.cols = append(out.cols, c)
		}
	}
	return &logical.Project{Input: join, Exprs: exprs, Names: names}, out, nil
}
