package logical

import (
	"context"
	"math"

	"github.com/quiverdb/quiver/catalog"
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
			// An equi-join usually follows a foreign key: about the larger side.
			return max(l, r), catalog.Inexact
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
