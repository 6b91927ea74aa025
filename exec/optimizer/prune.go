package optimizer

import (
	"github.com/apache/arrow-go/v18/arrow"

	"context"
	"slices"
	"sort"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// ProjectionPruning computes, top-down, which columns each node must
// produce, drops the rest, and sets each Scan.Projection to the table
// columns still needed, in table order (an empty, non-nil projection when
// none are, e.g. COUNT(*)). Every expression above is remapped to the
// narrower inputs. The root keeps all its columns; inner Projects drop
// unused expressions and Aggregates unused aggregates (never group keys).
// Filters a scan applies itself bind to the table schema and need no
// projected column.
type ProjectionPruning struct{}

// Name implements Rule.
func (ProjectionPruning) Name() string { return "projection_pruning" }

// Rewrite implements Rule.
func (ProjectionPruning) Rewrite(_ context.Context, p logical.Plan) (logical.Plan, bool, error) {
	np, _, changed := prune(p, allColumns(p))
	return np, changed, nil
}

func allColumns(p logical.Plan) []int { return firstColumns(p.Schema().NumFields()) }

// firstColumns is 0, 1, ..., n-1.
func firstColumns(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// colSet is a sorted set of column indexes.
func colSet(base []int, es ...expr.Expr) []int {
	m := map[int]bool{}
	for _, c := range base {
		m[c] = true
	}
	for _, e := range es {
		for _, c := range expr.ColumnsUsed(e) {
			m[c] = true
		}
	}
	out := make([]int, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	sort.Ints(out)
	return out
}

// remapping maps old output columns to new ones; nil means identity.
type remapping map[int]int

func (m remapping) apply(e expr.Expr) expr.Expr {
	if m == nil {
		return e
	}
	return expr.Remap(e, m)
}

func (m remapping) applyAll(es []expr.Expr) []expr.Expr {
	if m == nil {
		return es
	}
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		out[i] = expr.Remap(e, m)
	}
	return out
}

// prune rewrites p so that it produces at least the columns in need (sorted
// indexes of p's output). It returns the new plan, how p's old output
// columns map to the new plan's (nil = unchanged positions), and whether
// anything changed.
func prune(p logical.Plan, need []int) (logical.Plan, remapping, bool) {
	switch n := p.(type) {
	case *logical.Join:
		return pruneJoin(n, need)
	case *logical.Scan:
		full := n.Table.Schema().NumFields()
		// Table columns the need refers to.
		cols := make([]int, 0, len(need))
		for _, c := range need {
			if n.Projection != nil {
				cols = append(cols, n.Projection[c])
			} else {
				cols = append(cols, c)
			}
		}
		sort.Ints(cols)
		cols = slices.Compact(cols)
		if n.Projection == nil && len(cols) == full {
			return n, nil, false // all columns, already unprojected
		}
		if n.Projection != nil && slices.Equal(cols, n.Projection) {
			return n, nil, false
		}
		pos := make(map[int]int, len(cols)) // table column → new output position
		for i, c := range cols {
			pos[c] = i
		}
		m := remapping{}
		for _, c := range need {
			t := c
			if n.Projection != nil {
				t = n.Projection[c]
			}
			m[c] = pos[t]
		}
		ns := *n
		ns.Projection = cols
		return &ns, m, true

	case *logical.Project:
		kept := need
		shrunk := len(kept) < len(n.Exprs)
		exprs := make([]expr.Expr, len(kept))
		names := make([]string, len(kept))
		for i, c := range kept {
			exprs[i], names[i] = n.Exprs[c], n.Names[c]
		}
		child, cm, cc := prune(n.Input, colSet(nil, exprs...))
		if !shrunk && !cc {
			return n, nil, false
		}
		var m remapping
		if shrunk {
			m = remapping{}
			for i, c := range kept {
				m[c] = i
			}
		}
		return &logical.Project{Input: child, Exprs: cm.applyAll(exprs), Names: names}, m, true

	case *logical.Filter:
		child, cm, cc := prune(n.Input, colSet(need, n.Predicate))
		if !cc {
			return n, nil, false
		}
		return &logical.Filter{Input: child, Predicate: cm.apply(n.Predicate)}, cm, true

	case *logical.Sort:
		keysE := make([]expr.Expr, len(n.Keys))
		for i, k := range n.Keys {
			keysE[i] = k.Expr
		}
		child, cm, cc := prune(n.Input, colSet(need, keysE...))
		if !cc {
			return n, nil, false
		}
		keys := make([]logical.SortKey, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = k
			keys[i].Expr = cm.apply(k.Expr)
		}
		return &logical.Sort{Input: child, Keys: keys}, cm, true

	case *logical.Limit:
		child, cm, cc := prune(n.Input, need)
		if !cc {
			return n, nil, false
		}
		return &logical.Limit{Input: child, Offset: n.Offset, Count: n.Count}, cm, true

	case *logical.Aggregate:
		ng := len(n.GroupBy)
		var keptAggs []int
		for _, c := range need {
			if c >= ng {
				keptAggs = append(keptAggs, c-ng)
			}
		}
		if len(keptAggs) == 0 && ng == 0 && len(n.Aggs) > 0 {
			keptAggs = []int{0} // a global aggregate keeps one output column
		}
		shrunk := len(keptAggs) < len(n.Aggs)
		aggs := make([]expr.AggregateCall, len(keptAggs))
		names := make([]string, len(keptAggs))
		args := append([]expr.Expr(nil), n.GroupBy...)
		for i, a := range keptAggs {
			aggs[i], names[i] = n.Aggs[a], n.AggNames[a]
			args = append(args, aggs[i].Exprs()...)
		}
		child, cm, cc := prune(n.Input, colSet(nil, args...))
		if !shrunk && !cc {
			return n, nil, false
		}
		for i := range aggs {
			aggs[i] = aggs[i].WithExprs(cm.applyAll(aggs[i].Exprs()))
		}
		na := &logical.Aggregate{Input: child, GroupBy: cm.applyAll(n.GroupBy), GroupNames: n.GroupNames, Aggs: aggs, AggNames: names}
		var m remapping
		if shrunk {
			m = remapping{}
			for i := 0; i < ng; i++ {
				m[i] = i
			}
			for i, a := range keptAggs {
				m[ng+a] = ng + i
			}
		}
		return na, m, true
	}

	switch n := p.(type) {
	case *logical.SubqueryJoin:
		return pruneSubqueryJoin(n, need) // subquery.go
	case *logical.Window:
		return pruneWindow(n, need)
	case *logical.Union:
		return pruneUnion(n, need)
	}

	// Other nodes (Values, Explain, Insert, DDL) need all of their
	// children's columns and keep their own.
	ch := p.Children()
	if len(ch) == 0 {
		return p, nil, false
	}
	nc := make([]logical.Plan, len(ch))
	changed := false
	for i, c := range ch {
		r, _, cc := prune(c, allColumns(c))
		nc[i] = r
		changed = changed || cc
	}
	if !changed {
		return p, nil, false
	}
	return p.WithChildren(nc), nil, true
}

// pruneWindow drops the window calls nobody needs (the whole node when
// none is left) and narrows the input to the needed pass-through columns
// plus what the partition keys, order keys and remaining calls read.
func pruneWindow(n *logical.Window, need []int) (logical.Plan, remapping, bool) {
	w := n.Input.Schema().NumFields()
	var inNeed, keptFuncs []int
	for _, c := range need {
		if c < w {
			inNeed = append(inNeed, c)
		} else {
			keptFuncs = append(keptFuncs, c-w)
		}
	}
	if len(keptFuncs) == 0 {
		// No window value is read: the node only passes its input through.
		child, cm, _ := prune(n.Input, inNeed)
		return child, cm, true
	}
	funcs := make([]expr.WindowCall, len(keptFuncs))
	names := make([]string, len(keptFuncs))
	args := append([]expr.Expr(nil), n.PartitionBy...)
	for _, k := range n.OrderBy {
		args = append(args, k.Expr)
	}
	for i, f := range keptFuncs {
		funcs[i], names[i] = n.Funcs[f], n.Names[f]
		args = append(args, funcs[i].Exprs()...)
	}
	child, cm, cc := prune(n.Input, colSet(inNeed, args...))
	shrunk := len(keptFuncs) < len(n.Funcs)
	if !cc && !shrunk {
		return n, nil, false
	}
	orderBy := make([]logical.SortKey, len(n.OrderBy))
	for i, k := range n.OrderBy {
		orderBy[i] = k
		orderBy[i].Expr = cm.apply(k.Expr)
	}
	for i := range funcs {
		funcs[i] = funcs[i].WithExprs(cm.applyAll(funcs[i].Exprs()))
	}
	nw := &logical.Window{Input: child, PartitionBy: cm.applyAll(n.PartitionBy), OrderBy: orderBy, Funcs: funcs, Names: names}
	newW := child.Schema().NumFields()
	if cm == nil && newW == w && !shrunk {
		return nw, nil, true
	}
	m := remapping{}
	for _, c := range inNeed {
		if cm == nil {
			m[c] = c
		} else {
			m[c] = cm[c]
		}
	}
	for i, f := range keptFuncs {
		m[w+f] = newW + i
	}
	return nw, m, true
}

// pruneUnion narrows every branch of a UNION ALL to the needed columns
// (the same positions in each branch, so they stay aligned).
func pruneUnion(n *logical.Union, need []int) (logical.Plan, remapping, bool) {
	width := n.Out.NumFields()
	if len(need) == 0 && width > 0 {
		need = []int{0} // keep one column so every branch still counts rows
	}
	if len(need) == width {
		changed := false
		inputs := make([]logical.Plan, len(n.Inputs))
		for i, in := range n.Inputs {
			r, _, cc := prune(in, allColumns(in))
			inputs[i] = r
			changed = changed || cc
		}
		if !changed {
			return n, nil, false
		}
		return &logical.Union{Inputs: inputs, Out: n.Out}, nil, true
	}
	inputs := make([]logical.Plan, len(n.Inputs))
	for i, in := range n.Inputs {
		inputs[i] = selectColumns(in, need)
	}
	fields := make([]arrow.Field, len(need))
	m := remapping{}
	for j, c := range need {
		fields[j] = n.Out.Field(c)
		m[c] = j
	}
	md := n.Out.Metadata()
	return &logical.Union{Inputs: inputs, Out: arrow.NewSchema(fields, &md)}, m, true
}

// selectColumns returns p narrowed to exactly the columns need, in that
// order: p pruned to them, under a Project only when the pruned plan does
// not already produce them alone and in order (a pruned Project does).
func selectColumns(p logical.Plan, need []int) logical.Plan {
	r, cm, _ := prune(p, need)
	sch := r.Schema()
	at := func(c int) int {
		if cm == nil {
			return c
		}
		return cm[c]
	}
	exact := sch.NumFields() == len(need)
	for j, c := range need {
		exact = exact && at(c) == j
	}
	if exact {
		return r
	}
	exprs := make([]expr.Expr, len(need))
	names := make([]string, len(need))
	for j, c := range need {
		f := sch.Field(at(c))
		exprs[j] = &expr.Column{Index: at(c), Name: f.Name, DataType: f.Type}
		names[j] = f.Name
	}
	return &logical.Project{Input: r, Exprs: exprs, Names: names}
}
