package optimizer

import (
	"context"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// JoinReorder reorders chains of inner (and cross) joins of three or more
// inputs using the providers' statistics (logical.EstimateRows): it starts
// from the input with the fewest estimated rows and repeatedly joins the
// smallest input connected to what is joined so far by a condition (a
// cross product only when nothing connects), building a left-deep tree
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

// order computes the greedy join order, or false when some estimate is
// Absent.
func (g *joinGraph) order(ctx context.Context) ([]int, bool) {
	n := len(g.leaves)
	rows := make([]int64, n)
	for i, l := range g.leaves {
		r, prec := logical.EstimateRows(ctx, l.plan)
		if prec == catalog.Absent {
			return nil, false
		}
		rows[i] = r
	}
	condLeaves := make([]map[int]bool, len(g.conds))
	for i, c := range g.conds {
		condLeaves[i] = g.leavesOf(c)
	}
	chosen := make([]bool, n)
	order := make([]int, 0, n)
	pick := func(connectedOnly bool) int {
		best := -1
		for i := 0; i < n; i++ {
			if chosen[i] {
				continue
			}
			if connectedOnly && !g.connects(i, chosen, condLeaves) {
				continue
			}
			if best < 0 || rows[i] < rows[best] {
				best = i
			}
		}
		return best
	}
	for len(order) < n {
		next := -1
		if len(order) > 0 {
			next = pick(true)
		}
		if next < 0 {
			next = pick(false)
		}
		chosen[next] = true
		order = append(order, next)
	}
	return order, true
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
