package optimizer

import (
	"context"
	"math"
	"sort"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// JoinReorder reorders chains of inner (and cross) joins of three or more
// inputs using the providers' statistics (logical.EstimateRows, column
// distinct counts or integer min/max ranges): a greedy search that keeps
// the estimated intermediate results small (see joinGraph.order), joining
// inputs connected by a condition before any cross product, building a left-deep tree
// with each condition at the lowest join that sees all its columns. A
// Project on top restores the original column order. When any input's
// estimate is Absent the written order is kept (absent is not zero). Outer,
// semi and anti joins are never reordered; their inputs are reordered
// inside. Ties keep the current order, so the rule is idempotent.
type JoinReorder struct{}

// Name implements Rule.
func (JoinReorder) Name() string { return "join_reorder" }

// Rewrite implements Rule.
func (JoinReorder) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	np, changed := reorder(ctx, p, 0)
	return np, changed, ctx.Err()
}

const maxReorderDepth = 10_000

func isInnerChain(p logical.Plan) (*logical.Join, bool) {
	j, ok := p.(*logical.Join)
	return j, ok && !j.NullAware && (j.Type == logical.JoinInner || j.Type == logical.JoinCross)
}

func reorder(ctx context.Context, p logical.Plan, depth int) (logical.Plan, bool) {
	if depth > maxReorderDepth || ctx.Err() != nil {
		return p, false
	}
	if _, ok := isInnerChain(p); !ok {
		ch := p.Children()
		if len(ch) == 0 {
			return p, false
		}
		nc := make([]logical.Plan, len(ch))
		changed := false
		for i, c := range ch {
			var cc bool
			nc[i], cc = reorder(ctx, c, depth+1)
			changed = changed || cc
		}
		if !changed {
			return p, false
		}
		return p.WithChildren(nc), true
	}
	g := &joinGraph{}
	g.collect(p, 0)
	changed := false
	for i := range g.leaves {
		var cc bool
		g.leaves[i].plan, cc = reorder(ctx, g.leaves[i].plan, depth+1)
		changed = changed || cc
	}
	if len(g.leaves) < 3 {
		if changed {
			return g.rebuild(identity(len(g.leaves)), p), true
		}
		return p, false
	}
	order, ok := g.order(ctx)
	if !ok || isIdentity(order) {
		if changed {
			return g.rebuild(identity(len(g.leaves)), p), true
		}
		return p, false
	}
	return g.rebuild(order, p), true
}

// joinGraph is a flattened chain of inner joins: its inputs (leaves) in
// written order and its conjuncts bound to the concatenation of all leaves.
type joinGraph struct {
	leaves []joinLeaf
	conds  []expr.Expr
}

type joinLeaf struct {
	plan   logical.Plan
	offset int // first column in the concatenation
	width  int
}

func (g *joinGraph) collect(p logical.Plan, offset int) {
	j, ok := isInnerChain(p)
	if !ok {
		g.leaves = append(g.leaves, joinLeaf{plan: p, offset: offset, width: p.Schema().NumFields()})
		return
	}
	nl := j.Left.Schema().NumFields()
	g.collect(j.Left, offset)
	g.collect(j.Right, offset+nl)
	for _, k := range j.Keys {
		l := shiftUp(k.Left, offset)
		r := shiftUp(k.Right, offset+nl)
		g.conds = append(g.conds, &expr.Binary{Op: expr.OpEq, Left: l, Right: r, DataType: expr.TypeBool})
	}
	if j.Condition != nil {
		for _, c := range expr.SplitConjunction(j.Condition) {
			g.conds = append(g.conds, shiftUp(c, offset))
		}
	}
}

// leavesOf returns the set of leaves (bitmask over up to 64 leaves, as a
// map beyond) an expression reads.
func (g *joinGraph) leavesOf(e expr.Expr) map[int]bool {
	out := map[int]bool{}
	for _, c := range expr.ColumnsUsed(e) {
		for i, l := range g.leaves {
			if c >= l.offset && c < l.offset+l.width {
				out[i] = true
				break
			}
		}
	}
	return out
}

// order computes the join order, or false when some estimate is Absent.
//
// It is a greedy search on estimated intermediate sizes, tried from every
// starting input (up to maxOrderStarts inputs; beyond, from the smallest
// only): from the inputs joined so far it adds the connected input whose
// join is estimated smallest (estimateJoin), a cross product only when
// nothing connects. The order whose intermediate results sum smallest
// wins, then the one starting from the smaller input. Remaining ties keep
// the current order (lower index first), so a second run
// over the reordered tree finds the identity order: the rule is
// idempotent.
func (g *joinGraph) order(ctx context.Context) ([]int, bool) {
	n := len(g.leaves)
	rows := make([]int64, n)
	for i, l := range g.leaves {
		r, prec := logical.EstimateRows(ctx, l.plan)
		if prec == catalog.Absent {
			return nil, false
		}
		rows[i] = max(r, 1)
	}
	condLeaves := make([]map[int]bool, len(g.conds))
	for i, c := range g.conds {
		condLeaves[i] = g.leavesOf(c)
	}
	e := &joinEstimator{g: g, rows: rows, condLeaves: condLeaves, ndv: map[int]int64{}}
	for _, c := range g.conds {
		for _, col := range expr.ColumnsUsed(c) {
			if _, ok := e.ndv[col]; !ok {
				e.ndv[col] = g.distinct(ctx, col)
			}
		}
	}
	starts := identity(n)
	if n > maxOrderStarts {
		smallest := 0
		for i := range rows {
			if rows[i] < rows[smallest] {
				smallest = i
			}
		}
		starts = []int{smallest}
	}
	var best []int
	bestCost := math.Inf(1)
	for _, s := range starts {
		if ctx.Err() != nil {
			return nil, false
		}
		order, cost := e.greedy(s)
		if cost < bestCost || (cost == bestCost && rows[s] < rows[best[0]]) {
			best, bestCost = order, cost
		}
	}
	return best, true
}

// maxOrderStarts bounds the starting inputs the greedy search tries (the
// search is cubic in the number of inputs per start).
const maxOrderStarts = 16

// joinEstimator estimates intermediate join sizes for order: leaf row
// counts, the leaves each condition reads, and per concatenated column an
// estimate of its distinct values (0 = unknown).
type joinEstimator struct {
	g          *joinGraph
	rows       []int64
	condLeaves []map[int]bool
	ndv        map[int]int64
}

// greedy builds an order from start and returns it with its cost, the sum
// of the estimated intermediate sizes.
func (e *joinEstimator) greedy(start int) ([]int, float64) {
	n := len(e.rows)
	chosen := make([]bool, n)
	chosen[start] = true
	order := []int{start}
	cur := float64(e.rows[start])
	cost := 0.0
	for len(order) < n {
		next, nextOut, connected := -1, 0.0, false
		for i := 0; i < n; i++ {
			if chosen[i] {
				continue
			}
			out, ok := e.estimateJoin(cur, i, chosen)
			better := next < 0 ||
				(ok && !connected) ||
				(ok == connected && (out < nextOut || (out == nextOut && e.rows[i] < e.rows[next])))
			if better {
				next, nextOut, connected = i, out, ok
			}
		}
		chosen[next] = true
		order = append(order, next)
		cur = nextOut
		cost += cur
	}
	return order, cost
}

// estimateJoin estimates the rows of joining the chosen inputs (cur rows)
// with input i, and whether some condition connects them. An equality of
// columns keeps 1/max(distinct left, distinct right) of the pairs, each
// distinct count capped by its side's rows (an unknown one counts as that
// side's rows, as for a key); several equalities to the same input are a
// composite key, estimated as a foreign key to the side with fewer tuples;
// another connecting condition keeps half.
// Several conditions combine with exponential backoff (see below). Without
// a connecting condition it is the cross product.
func (e *joinEstimator) estimateJoin(cur float64, i int, chosen []bool) (float64, bool) {
	ri := float64(e.rows[i])
	var sels []float64
	connected := false
	// Column equalities grouped by the other input they read: two or more
	// to the same input form a composite key.
	type pair struct{ other, mine float64 }
	composite := map[int][]pair{}
	var order []int
	for ci, ls := range e.condLeaves {
		if !ls[i] || len(ls) < 2 {
			continue
		}
		inside := true
		for l := range ls {
			if l != i && !chosen[l] {
				inside = false
				break
			}
		}
		if !inside {
			continue
		}
		connected = true
		b, ok := e.g.conds[ci].(*expr.Binary)
		if !ok || b.Op != expr.OpEq {
			sels = append(sels, 0.5)
			continue
		}
		lc, lok := b.Left.(*expr.Column)
		rc, rok := b.Right.(*expr.Column)
		if !lok || !rok || len(ls) != 2 {
			sels = append(sels, 1/max(cur, ri, 1))
			continue
		}
		mine, other := rc.Index, lc.Index
		if e.leafOf(lc.Index) == i {
			mine, other = lc.Index, rc.Index
		}
		j := e.leafOf(other)
		if _, seen := composite[j]; !seen {
			order = append(order, j)
		}
		composite[j] = append(composite[j], pair{other: e.sideDistinct(other, i, cur, ri), mine: e.sideDistinct(mine, i, cur, ri)})
	}
	for _, j := range order {
		ps := composite[j]
		if len(ps) == 1 {
			sels = append(sels, 1/max(ps[0].other, ps[0].mine, 1))
			continue
		}
		// A composite key: each side's distinct tuples are at most its
		// rows (the product of the columns' counts overshoots), and the
		// side with fewer tuples is taken as the key the other references
		// (a composite foreign key, e.g. lineitem to partsupp).
		do, dm := 1.0, 1.0
		for _, p := range ps {
			do *= p.other
			dm *= p.mine
		}
		sels = append(sels, 1/max(min(do, cur, dm, ri), 1))
	}
	// Exponential backoff: s1 · s2^(1/2) · s3^(1/4) ..., most selective
	// first, between trusting only the best condition (which overestimates
	// when conditions are independent, as a join key plus another equality)
	// and multiplying all (which underestimates correlated ones).
	sort.Float64s(sels)
	sel, w := 1.0, 1.0
	for _, s := range sels {
		sel *= math.Pow(s, w)
		w /= 2
	}
	return max(math.Ceil(cur*ri*sel), 1), connected
}

// leafOf is the input holding concatenated column col, or -1.
func (e *joinEstimator) leafOf(col int) int {
	for k, l := range e.g.leaves {
		if col >= l.offset && col < l.offset+l.width {
			return k
		}
	}
	return -1
}

// sideDistinct is the distinct-value estimate of concatenated column col,
// capped by the rows of its side (input i, or the chosen inputs so far).
func (e *joinEstimator) sideDistinct(col, i int, cur, ri float64) float64 {
	side := cur
	l := e.g.leaves[i]
	if col >= l.offset && col < l.offset+l.width {
		side = ri
	}
	d := float64(e.ndv[col])
	if d <= 0 || d > side {
		return side
	}
	return d
}

// distinct estimates the distinct values of concatenated column col, 0 when
// unknown.
func (g *joinGraph) distinct(ctx context.Context, col int) int64 {
	for _, l := range g.leaves {
		if col >= l.offset && col < l.offset+l.width {
			return distinctOf(ctx, l.plan, col-l.offset, 0)
		}
	}
	return 0
}

// distinctOf estimates the distinct values of column c of p from provider
// statistics: the column's distinct count, else for integer columns the
// width of its [min, max] range; traced through projections of columns,
// filters and joins, and capped by the plan's estimated rows. 0 = unknown.
func distinctOf(ctx context.Context, p logical.Plan, c, depth int) int64 {
	if depth > 64 {
		return 0
	}
	var d int64
	switch n := p.(type) {
	case *logical.Scan:
		sp, ok := n.Table.(catalog.StatisticsProvider)
		if !ok {
			return 0
		}
		st, err := sp.Statistics(ctx)
		if err != nil {
			return 0
		}
		tc := c
		if n.Projection != nil {
			if c >= len(n.Projection) {
				return 0
			}
			tc = n.Projection[c]
		}
		if tc < 0 || tc >= len(st.Columns) {
			return 0
		}
		d = columnDistinct(st.Columns[tc])
	case *logical.Filter:
		d = distinctOf(ctx, n.Input, c, depth+1)
	case *logical.Project:
		if c >= len(n.Exprs) {
			return 0
		}
		col, ok := n.Exprs[c].(*expr.Column)
		if !ok {
			return 0
		}
		d = distinctOf(ctx, n.Input, col.Index, depth+1)
	case *logical.Join:
		nl := n.Left.Schema().NumFields()
		if c < nl {
			d = distinctOf(ctx, n.Left, c, depth+1)
		} else if !n.Type.LeftOnly() {
			d = distinctOf(ctx, n.Right, c-nl, depth+1)
		}
	default:
		return 0
	}
	if d <= 0 {
		return 0
	}
	if rows, prec := logical.EstimateRows(ctx, p); prec != catalog.Absent && rows > 0 && rows < d {
		d = rows
	}
	return d
}

// columnDistinct is a column's distinct count, or the size of its integer
// [min, max] range, or 0.
func columnDistinct(cs catalog.ColumnStatistics) int64 {
	if cs.DistinctCount.Precision != catalog.Absent && cs.DistinctCount.Value > 0 {
		return cs.DistinctCount.Value
	}
	if cs.Min.Precision == catalog.Absent || cs.Max.Precision == catalog.Absent {
		return 0
	}
	lo, ok1 := asInt64(cs.Min.Value)
	hi, ok2 := asInt64(cs.Max.Value)
	if !ok1 || !ok2 || hi < lo || hi-lo < 0 || hi-lo == math.MaxInt64 {
		return 0
	}
	return hi - lo + 1
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case int:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

// connects reports whether some condition reads leaf i, at least one
// chosen leaf, and nothing else.
func (g *joinGraph) connects(i int, chosen []bool, condLeaves []map[int]bool) bool {
	for _, ls := range condLeaves {
		if !ls[i] || len(ls) < 2 {
			continue
		}
		ok := true
		for l := range ls {
			if l != i && !chosen[l] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func isIdentity(order []int) bool {
	for i, o := range order {
		if i != o {
			return false
		}
	}
	return true
}

// rebuild builds the left-deep tree of the leaves in order, placing each
// condition at the first join that sees all its leaves, and a Project
// restoring orig's column order when the order changed.
func (g *joinGraph) rebuild(order []int, orig logical.Plan) logical.Plan {
	// Old concatenated column → new one.
	mapping := map[int]int{}
	pos := 0
	for _, li := range order {
		l := g.leaves[li]
		for c := 0; c < l.width; c++ {
			mapping[l.offset+c] = pos + c
		}
		pos += l.width
	}
	conds := make([]expr.Expr, len(g.conds))
	condLeaves := make([]map[int]bool, len(g.conds))
	for i, c := range g.conds {
		conds[i] = expr.Remap(c, mapping)
		condLeaves[i] = g.leavesOf(c)
	}
	placed := make([]bool, len(conds))
	have := map[int]bool{order[0]: true}
	cur := g.leaves[order[0]].plan
	for _, li := range order[1:] {
		have[li] = true
		var on []expr.Expr
		for i, ls := range condLeaves {
			if placed[i] {
				continue
			}
			all := true
			for l := range ls {
				if !have[l] {
					all = false
					break
				}
			}
			if all {
				on = append(on, conds[i])
				placed[i] = true
			}
		}
		j := &logical.Join{Type: logical.JoinCross, Left: cur, Right: g.leaves[li].plan, Condition: expr.Conjoin(on)}
		if j.Condition != nil {
			j.Type = logical.JoinInner
			np, _ := normalizeJoin(j)
			cur = np
		} else {
			cur = j
		}
	}
	var rest []expr.Expr
	for i, c := range conds {
		if !placed[i] {
			rest = append(rest, c) // constant conjuncts
		}
	}
	if len(rest) > 0 {
		cur = &logical.Filter{Input: cur, Predicate: expr.Conjoin(rest)}
	}
	if isIdentity(order) {
		return cur
	}
	schema := orig.Schema()
	exprs := make([]expr.Expr, schema.NumFields())
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		exprs[i] = &expr.Column{Index: mapping[i], Name: f.Name, DataType: f.Type}
		names[i] = f.Name
	}
	return &logical.Project{Input: cur, Exprs: exprs, Names: names}
}
