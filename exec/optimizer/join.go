package optimizer

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// This file holds the join rules and the join cases of the generic rules
// (predicate pushdown and projection pruning call pushFilterIntoJoin and
// pruneJoin from their switches).
//
// Outer-join correctness, in one place: a conjunct may move into a join
// input only when that cannot change which rows the join preserves. Above
// a LEFT JOIN a WHERE conjunct on the left input moves into it (the join
// keeps every left row it is given, so filtering before or after is the
// same); one on the right (null-supplying) input stays above, because the
// NULL-extended rows must be produced first and then filtered, unless it
// rejects NULLs on that side, in which case no NULL-extended row survives
// it and the join is an inner join. Inside an outer join's ON, it is the
// other way round: a conjunct on the null-supplying side filters that input
// (a row failing it can never be a partner), one on the preserved side must
// stay in the condition.

// side classifies an expression over a join's concatenated schema.
type side int

const (
	sideNone  side = iota // reads no column
	sideLeft              // reads left columns only
	sideRight             // reads right columns only
	sideBoth
)

func sideOf(e expr.Expr, nLeft int) side {
	s := sideNone
	for _, c := range expr.ColumnsUsed(e) {
		cs := sideLeft
		if c >= nLeft {
			cs = sideRight
		}
		if s == sideNone {
			s = cs
		} else if s != cs {
			return sideBoth
		}
	}
	return s
}

// shiftDown rebinds a right-only expression from the join's concatenated
// schema to the right input's schema.
func shiftDown(e expr.Expr, by int) expr.Expr {
	return expr.Transform(e, func(n expr.Expr) expr.Expr {
		if c, ok := n.(*expr.Column); ok {
			return &expr.Column{Index: c.Index - by, Name: c.Name, DataType: c.DataType}
		}
		return n
	})
}

func shiftUp(e expr.Expr, by int) expr.Expr {
	if by == 0 {
		return e
	}
	return shiftDown(e, -by)
}

// rejectsNulls reports whether predicate e is never TRUE when every column
// of the given side (indexes [lo, hi)) is NULL: then rows NULL-extended on
// that side cannot pass it. It is conservative (false when unsure).
func rejectsNulls(e expr.Expr, lo, hi int) bool {
	switch n := e.(type) {
	case *expr.Binary:
		switch n.Op {
		case expr.OpAnd:
			return rejectsNulls(n.Left, lo, hi) || rejectsNulls(n.Right, lo, hi)
		case expr.OpOr:
			return rejectsNulls(n.Left, lo, hi) && rejectsNulls(n.Right, lo, hi)
		}
	case *expr.IsNull:
		return n.Negated && nullIfSideNull(n.Input, lo, hi)
	case *expr.Not:
		return nullIfSideNull(n.Input, lo, hi)
	}
	return nullIfSideNull(e, lo, hi)
}

// nullIfSideNull reports whether e is NULL whenever the side's columns are
// NULL (it is built from NULL-propagating operators over such a column).
func nullIfSideNull(e expr.Expr, lo, hi int) bool {
	switch n := e.(type) {
	case *expr.Column:
		return n.Index >= lo && n.Index < hi
	case *expr.Binary:
		switch n.Op {
		case expr.OpAnd, expr.OpOr, expr.OpNullSafeEq:
			return false
		}
		return nullIfSideNull(n.Left, lo, hi) || nullIfSideNull(n.Right, lo, hi)
	case *expr.Cast:
		return nullIfSideNull(n.Input, lo, hi)
	case *expr.Negate:
		return nullIfSideNull(n.Input, lo, hi)
	case *expr.Not:
		return nullIfSideNull(n.Input, lo, hi)
	case *expr.Like:
		return nullIfSideNull(n.Input, lo, hi) || nullIfSideNull(n.Pattern, lo, hi)
	case *expr.In:
		return nullIfSideNull(n.Input, lo, hi)
	}
	return false
}

// pushFilterIntoJoin distributes a WHERE filter's conjuncts over a join
// (see the file comment for the outer-join rules). Conjuncts that read both
// sides of an inner join become part of its condition (the join key rule
// then turns equalities into keys). A null-rejecting conjunct on an outer
// join's null-supplying side first turns the join into an inner one (or a
// FULL join into a one-sided one).
func pushFilterIntoJoin(f *logical.Filter, j *logical.Join) (logical.Plan, bool, error) {
	conj := expr.SplitConjunction(f.Predicate)
	nl := j.Left.Schema().NumFields()
	nr := j.Right.Schema().NumFields()
	jt := j.Type
	if !jt.LeftOnly() && !j.NullAware {
		for _, c := range conj {
			if jt.NullsRight() && rejectsNulls(c, nl, nl+nr) {
				if jt == logical.JoinFull {
					jt = logical.JoinRight
				} else {
					jt = logical.JoinInner
				}
			}
			if jt.NullsLeft() && rejectsNulls(c, 0, nl) {
				if jt == logical.JoinFull {
					jt = logical.JoinLeft
				} else {
					jt = logical.JoinInner
				}
			}
		}
	}
	var toLeft, toRight, toCond, keep []expr.Expr
	for _, c := range conj {
		if isVolatile(c) {
			keep = append(keep, c)
			continue
		}
		switch sideOf(c, nl) {
		case sideLeft:
			if jt.NullsLeft() {
				keep = append(keep, c)
			} else {
				toLeft = append(toLeft, c)
			}
		case sideRight:
			if jt.NullsRight() || jt.LeftOnly() {
				keep = append(keep, c) // (semi/anti output has no right column; cannot happen)
			} else {
				toRight = append(toRight, shiftDown(c, nl))
			}
		case sideBoth:
			if jt == logical.JoinInner || jt == logical.JoinCross {
				toCond = append(toCond, c)
			} else {
				keep = append(keep, c)
			}
		default:
			keep = append(keep, c)
		}
	}
	if jt == j.Type && len(toLeft)+len(toRight)+len(toCond) == 0 {
		return f, false, nil
	}
	nj := *j
	nj.Type = jt
	nj.Left = withFilter(j.Left, toLeft)
	nj.Right = withFilter(j.Right, toRight)
	if len(toCond) > 0 {
		if nj.Condition != nil {
			toCond = append(expr.SplitConjunction(nj.Condition), toCond...)
		}
		nj.Condition = expr.Conjoin(toCond)
	}
	if nj.Type == logical.JoinCross && (nj.Condition != nil || len(nj.Keys) > 0) {
		nj.Type = logical.JoinInner
	}
	return withFilter(&nj, keep), true, nil
}

// JoinConditions normalizes join conditions: ON conjuncts that read one
// input move into it as a Filter when that keeps the join's meaning (both
// inputs of an inner join, the null-supplying input of an outer join, the
// right input of a semi/anti join, the left input of a semi join), and
// equalities between an expression of the left input and one of the right
// input become equi-keys (which the physical planner runs as a hash join).
// A cross join that gains a key or condition becomes an inner join.
// Null-aware (NOT IN) joins keep their condition as is: extra keys would
// change which NULLs count.
type JoinConditions struct{}

// Name implements Rule.
func (JoinConditions) Name() string { return "join_conditions" }

// Rewrite implements Rule.
func (JoinConditions) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	return transformUp(ctx, p, func(n logical.Plan) (logical.Plan, bool, error) {
		j, ok := n.(*logical.Join)
		if !ok || j.Condition == nil || j.NullAware {
			return n, false, nil
		}
		np, changed := normalizeJoin(j)
		return np, changed, nil
	})
}

func normalizeJoin(j *logical.Join) (logical.Plan, bool) {
	nl := j.Left.Schema().NumFields()
	canLeft := j.Type == logical.JoinInner || j.Type == logical.JoinCross || j.Type == logical.JoinRight || j.Type == logical.JoinSemi
	canRight := j.Type == logical.JoinInner || j.Type == logical.JoinCross || j.Type == logical.JoinLeft || j.Type.LeftOnly()
	var toLeft, toRight, rest []expr.Expr
	keys := append([]logical.EquiKey(nil), j.Keys...)
	for _, c := range expr.SplitConjunction(j.Condition) {
		if isVolatile(c) {
			rest = append(rest, c)
			continue
		}
		switch sideOf(c, nl) {
		case sideLeft:
			if canLeft {
				toLeft = append(toLeft, c)
				continue
			}
		case sideRight:
			if canRight {
				toRight = append(toRight, shiftDown(c, nl))
				continue
			}
		case sideBoth:
			if k, ok := equiKey(c, nl); ok {
				keys = append(keys, k)
				continue
			}
		}
		rest = append(rest, c)
	}
	if len(toLeft)+len(toRight) == 0 && len(keys) == len(j.Keys) {
		return j, false
	}
	nj := *j
	nj.Keys = keys
	nj.Condition = expr.Conjoin(rest)
	nj.Left = withFilter(j.Left, toLeft)
	nj.Right = withFilter(j.Right, toRight)
	if nj.Type == logical.JoinCross && (nj.Condition != nil || len(nj.Keys) > 0) {
		nj.Type = logical.JoinInner
	}
	return &nj, true
}

// equiKey turns `l = r` (one operand reading only left columns, the other
// only right ones, both of one hashable type) into a key.
func equiKey(c expr.Expr, nl int) (logical.EquiKey, bool) {
	b, ok := c.(*expr.Binary)
	if !ok || b.Op != expr.OpEq {
		return logical.EquiKey{}, false
	}
	l, r := b.Left, b.Right
	ls, rs := sideOf(l, nl), sideOf(r, nl)
	if ls == sideRight && rs == sideLeft {
		l, r, ls, rs = r, l, rs, ls
	}
	if ls != sideLeft || rs != sideRight || !keyTypesMatch(l.Type(), r.Type()) {
		return logical.EquiKey{}, false
	}
	return logical.EquiKey{Left: l, Right: shiftDown(r, nl)}, true
}

func keyTypesMatch(a, b arrow.DataType) bool {
	if arrow.TypeEqual(a, b) {
		return true
	}
	str := func(t arrow.DataType) bool {
		switch t.ID() {
		case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
			return true
		}
		return false
	}
	return str(a) && str(b)
}

// pruneJoin is ProjectionPruning for a join: each input keeps the columns
// needed above plus those its keys and condition read.
func pruneJoin(j *logical.Join, need []int) (logical.Plan, remapping, bool) {
	nl := j.Left.Schema().NumFields()
	var needL, needR []int
	for _, c := range need {
		if c < nl {
			needL = append(needL, c)
		} else {
			needR = append(needR, c-nl)
		}
	}
	var lk, rk []expr.Expr
	for _, k := range j.Keys {
		lk = append(lk, k.Left)
		rk = append(rk, k.Right)
	}
	if j.Condition != nil {
		for _, c := range expr.ColumnsUsed(j.Condition) {
			if c < nl {
				needL = append(needL, c)
			} else {
				needR = append(needR, c-nl)
			}
		}
	}
	left, lm, lc := prune(j.Left, colSet(needL, lk...))
	right, rm, rc := prune(j.Right, colSet(needR, rk...))
	if !lc && !rc {
		return j, nil, false
	}
	newNL := left.Schema().NumFields()
	// Map the old concatenated columns to the new ones.
	cm := remapping{}
	mapSide := func(m remapping, old, oldBase, newBase int) {
		to := old
		if m != nil {
			t, ok := m[old]
			if !ok {
				return
			}
			to = t
		}
		cm[oldBase+old] = newBase + to
	}
	for i := 0; i < nl; i++ {
		mapSide(lm, i, 0, 0)
	}
	for i := 0; i < j.Right.Schema().NumFields(); i++ {
		mapSide(rm, i, nl, newNL)
	}
	nj := *j
	nj.Left, nj.Right = left, right
	nj.Keys = make([]logical.EquiKey, len(j.Keys))
	for i, k := range j.Keys {
		nj.Keys[i] = logical.EquiKey{Left: lm.apply(k.Left), Right: rm.apply(k.Right)}
	}
	if j.Condition != nil {
		nj.Condition = expr.Remap(j.Condition, cm)
	}
	if j.Type.LeftOnly() {
		return &nj, lm, true
	}
	return &nj, cm, true
}
