package logical

import (
	"context"
	"math"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
)

// EstimateRows estimates how many rows p produces from the providers'
// statistics (catalog.StatisticsProvider), for costing only: join order and
// the choice of a hash join's build side. The precision is Exact only when
// every step is exact (an unfiltered scan of a table with an exact row
// count, a LIMIT over it...), Inexact for estimates, and Absent when some
// table below does not know its size (then rows is 0 and means nothing;
// callers keep the written order). Statistics calls are cheap by contract;
// a failing one counts as Absent.
func EstimateRows(ctx context.Context, p Plan) (rows int64, precision catalog.Precision) {
	return estimate(ctx, p, 0)
}

// Selectivity guesses used when nothing better is known.
const (
	filterSelectivity = 0.5
	maxEstimateDepth  = 1000
)

func estimate(ctx context.Context, p Plan, depth int) (int64, catalog.Precision) {
	if depth > maxEstimateDepth {
		return 0, catalog.Absent
	}
	child := func(c Plan) (int64, catalog.Precision) { return estimate(ctx, c, depth+1) }
	switch n := p.(type) {
	case *Scan:
		sp, ok := n.Table.(catalog.StatisticsProvider)
		if !ok {
			return 0, catalog.Absent
		}
		st, err := sp.Statistics(ctx)
		if err != nil || st.NumRows.Precision == catalog.Absent {
			return 0, catalog.Absent
		}
		rows, prec := st.NumRows.Value, st.NumRows.Precision
		for range len(n.FullFilters) + len(n.PartialFilters) {
			rows, prec = scaleRows(rows, filterSelectivity), catalog.Inexact
		}
		if n.Limit >= 0 && n.Limit < rows {
			rows = n.Limit
		}
		return rows, prec
	case *Values:
		return int64(len(n.Rows)), catalog.Exact
	case *Filter:
		rows, prec := child(n.Input)
		return scaleRows(rows, filterSelectivity), downgrade(prec)
	case *Project:
		return child(n.Input)
	case *Sort:
		return child(n.Input)
	case *Limit:
		rows, prec := child(n.Input)
		if prec == catalog.Absent {
			if n.Count >= 0 {
				return n.Count, catalog.Inexact // at most Count rows
			}
			return 0, catalog.Absent
		}
		rows = max(rows-n.Offset, 0)
		if n.Count >= 0 && n.Count < rows {
			rows = n.Count
		}
		return rows, prec
	case *Aggregate:
		if len(n.GroupBy) == 0 {
			return 1, catalog.Exact
		}
		rows, prec := child(n.Input)
		return rows, downgrade(prec)
	case *Join:
		l, lp := child(n.Left)
		r, rp := child(n.Right)
		if lp == catalog.Absent || rp == catalog.Absent {
			return 0, catalog.Absent
		}
		switch {
		case n.Type.LeftOnly():
			return l, catalog.Inexact
		case n.Type == JoinCross && len(n.Keys) == 0 && n.Condition == nil:
			if l > 0 && r > math.MaxInt64/l {
				return math.MaxInt64, catalog.Inexact
			}
			return l * r, min(lp, rp)
		case len(n.Keys) > 0:
			// An equi-join usually follows a foreign key: about the larger
			// side. When one side is unique on its keys (an aggregate
			// grouped by them), each row of the other side matches at most
			// once.
			est := max(l, r)
			left, right := make([]expr.Expr, len(n.Keys)), make([]expr.Expr, len(n.Keys))
			for i, k := range n.Keys {
				left[i], right[i] = k.Left, k.Right
			}
			if n.Type == JoinInner && UniqueOn(n.Right, right) {
				est = min(est, l)
			}
			if n.Type == JoinInner && UniqueOn(n.Left, left) {
				est = min(est, r)
			}
			return est, catalog.Inexact
		default:
			if l > 0 && r > math.MaxInt64/l {
				return math.MaxInt64, catalog.Inexact
			}
			return scaleRows(l*r, filterSelectivity), catalog.Inexact
		}
	}
	return 0, catalog.Absent
}

func scaleRows(rows int64, f float64) int64 {
	return int64(math.Ceil(float64(rows) * f))
}

func downgrade(p catalog.Precision) catalog.Precision {
	if p == catalog.Exact {
		return catalog.Inexact
	}
	return p
}

// UniqueOn reports whether p is known to produce at most one row per
// value of keys (expressions over p's output): p is an Aggregate whose
// GROUP BY columns all appear among keys as plain columns, possibly under
// Projects, Filters, Sorts and Limits that pass those columns through.
// False means unknown.
func UniqueOn(p Plan, keys []expr.Expr) bool {
	cols := map[int]bool{}
	for _, k := range keys {
		if c, ok := k.(*expr.Column); ok {
			cols[c.Index] = true
		}
	}
	for depth := 0; depth < maxEstimateDepth; depth++ {
		switch n := p.(type) {
		case *Aggregate:
			if len(n.GroupBy) == 0 {
				return true // one row
			}
			for i := range n.GroupBy {
				if !cols[i] {
					return false
				}
			}
			return true
		case *Project:
			next := map[int]bool{}
			for c := range cols {
				if in, ok := n.Exprs[c].(*expr.Column); ok {
					next[in.Index] = true
				}
			}
			cols, p = next, n.Input
		case *Filter:
			p = n.Input
		case *Sort:
			p = n.Input
		case *Limit:
			p = n.Input
		default:
			return false
		}
	}
	return false
}
