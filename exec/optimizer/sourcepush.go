package optimizer

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// TopNPushdown offers an ORDER BY + LIMIT to the table under it
// (catalog.TopNPushdowner) when the plan is
//
//	Limit → Project* → Sort → Project* → Scan
//
// every sort key reads a plain table column, and the scan has no Inexact or
// Unsupported filter and no limit yet. On a yes the Scan reads the table the
// provider returned (same schema, same projection and Exact filters, rows
// ordered and cut remotely) with Limit = offset + count; the engine's Sort
// and Limit stay above (cheap on N rows, and correct whatever the
// partitioning). A scan with a limit takes no more filters (see
// PredicatePushdown), and the limit makes the rule idempotent.
type TopNPushdown struct{}

// Name implements Rule.
func (TopNPushdown) Name() string { return "topn_pushdown" }

// Rewrite implements Rule.
func (TopNPushdown) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	return transformUp(ctx, p, func(n logical.Plan) (logical.Plan, bool, error) {
		l, ok := n.(*logical.Limit)
		if !ok || l.Count < 0 || l.Offset < 0 || l.Offset > math.MaxInt64-l.Count {
			return n, false, nil
		}
		sortNode, _ := skipProjects(l.Input).(*logical.Sort)
		if sortNode == nil {
			return n, false, nil
		}
		scan, projs := scanUnder(sortNode.Input)
		if scan == nil || scan.Limit >= 0 || len(scan.PartialFilters) > 0 || len(scan.Unsupported) > 0 {
			return n, false, nil
		}
		tp, ok := scan.Table.(catalog.TopNPushdowner)
		if !ok {
			return n, false, nil
		}
		keys := make([]catalog.SortKey, len(sortNode.Keys))
		for i, k := range sortNode.Keys {
			col, ok := tableColumn(k.Expr, projs, scan)
			if !ok {
				return n, false, nil
			}
			keys[i] = catalog.SortKey{Column: col, Desc: k.Desc, NullsFirst: k.NullsFirst}
		}
		want := l.Count + l.Offset
		derived, ok, err := tp.PushTopN(catalog.TopNRequest{Keys: keys, Limit: want})
		if err != nil {
			return nil, false, errs.Wrap(err, err, "TopN pushdown into %s", scan.Name)
		}
		if !ok {
			return n, false, nil
		}
		if derived == nil || !sameSchema(derived.Schema(), scan.Table.Schema()) {
			return nil, false, errs.Internalf("table %s: PushTopN returned a table whose schema differs from the table's", scan.Name)
		}
		ns := *scan
		ns.Table = derived
		ns.Limit = want
		return replaceScan(n, &ns), true, nil
	})
}

// AggregatePushdown hands a whole GROUP BY to the table under it
// (catalog.AggregatePushdowner) when the plan is
//
//	Aggregate → Project* → Scan
//
// the group keys and aggregate arguments read table columns through the
// projections, and the scan has only Exact filters and no limit. On a yes
// the Aggregate is replaced by a Scan of the table the provider returned,
// whose schema is the aggregate's output (checked here); the scan's Exact
// filters travel inside the request (the remote WHERE), so the new Scan
// has none.
type AggregatePushdown struct{}

// Name implements Rule.
func (AggregatePushdown) Name() string { return "aggregate_pushdown" }

// Rewrite implements Rule.
func (AggregatePushdown) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	return transformUp(ctx, p, func(n logical.Plan) (logical.Plan, bool, error) {
		agg, ok := n.(*logical.Aggregate)
		if !ok {
			return n, false, nil
		}
		scan, projs := scanUnder(agg.Input)
		if scan == nil || scan.Limit >= 0 || len(scan.PartialFilters) > 0 || len(scan.Unsupported) > 0 {
			return n, false, nil
		}
		ap, ok := scan.Table.(catalog.AggregatePushdowner)
		if !ok {
			return n, false, nil
		}
		groupBy := make([]expr.Expr, len(agg.GroupBy))
		for i, g := range agg.GroupBy {
			e, ok := toTable(g, projs, scan)
			if !ok {
				return n, false, nil
			}
			groupBy[i] = e
		}
		aggs := make([]expr.AggregateCall, len(agg.Aggs))
		for i, a := range agg.Aggs {
			es := a.Exprs()
			for j, e := range es {
				te, ok := toTable(e, projs, scan)
				if !ok {
					return n, false, nil
				}
				es[j] = te
			}
			aggs[i] = a.WithExprs(es)
		}
		out := agg.Schema()
		derived, ok, err := ap.PushAggregate(catalog.AggregateRequest{
			Filters: append([]expr.Expr(nil), scan.FullFilters...),
			GroupBy: groupBy,
			Aggs:    aggs,
			Schema:  out,
		})
		if err != nil {
			return nil, false, errs.Wrap(err, err, "aggregate pushdown into %s", scan.Name)
		}
		if !ok {
			return n, false, nil
		}
		if derived == nil || !sameSchema(derived.Schema(), out) {
			return nil, false, errs.Internalf("table %s: PushAggregate returned a table whose schema differs from the aggregate's output %v", scan.Name, out)
		}
		return &logical.Scan{Name: scan.Name, Table: derived, Limit: -1}, true, nil
	})
}

// skipProjects returns the first node under p that is not a Project.
func skipProjects(p logical.Plan) logical.Plan {
	for {
		pr, ok := p.(*logical.Project)
		if !ok {
			return p
		}
		p = pr.Input
	}
}

// scanUnder returns the Scan under a chain of Projects starting at p, with
// the Projects top-down; nil when something else is in the way.
func scanUnder(p logical.Plan) (*logical.Scan, []*logical.Project) {
	var projs []*logical.Project
	for {
		switch x := p.(type) {
		case *logical.Project:
			projs = append(projs, x)
			p = x.Input
		case *logical.Scan:
			return x, projs
		default:
			return nil, nil
		}
	}
}

// toTable rewrites e, bound to the output of projs[0] (or of the scan when
// there are no projections), in terms of the table's full schema. It fails
// on volatile expressions (substitute refuses them).
func toTable(e expr.Expr, projs []*logical.Project, scan *logical.Scan) (expr.Expr, bool) {
	for _, pr := range projs {
		var ok bool
		if e, ok = substitute(e, pr.Exprs); !ok {
			return nil, false
		}
	}
	width := scan.Schema().NumFields()
	for _, c := range expr.ColumnsUsed(e) {
		if c < 0 || c >= width {
			return nil, false
		}
	}
	if scan.Projection == nil {
		return e, true
	}
	mapping := make(map[int]int, len(scan.Projection))
	for i, t := range scan.Projection {
		mapping[i] = t
	}
	return expr.Remap(e, mapping), true
}

// tableColumn resolves e to a plain column of the table, if it is one.
func tableColumn(e expr.Expr, projs []*logical.Project, scan *logical.Scan) (int, bool) {
	te, ok := toTable(e, projs, scan)
	if !ok {
		return 0, false
	}
	c, ok := te.(*expr.Column)
	if !ok {
		return 0, false
	}
	return c.Index, true
}

// replaceScan rebuilds the single-input chain from p down to its Scan with
// s in the Scan's place.
func replaceScan(p logical.Plan, s *logical.Scan) logical.Plan {
	if _, ok := p.(*logical.Scan); ok {
		return s
	}
	ch := p.Children()
	return p.WithChildren([]logical.Plan{replaceScan(ch[0], s)})
}

// sameSchema compares field names and types (not nullability or metadata).
func sameSchema(a, b *arrow.Schema) bool {
	if a == nil || b == nil || a.NumFields() != b.NumFields() {
		return false
	}
	for i := 0; i < a.NumFields(); i++ {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}
