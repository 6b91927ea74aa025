package optimizer

import (
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// pruneSubqueryJoin is projection pruning for a SubqueryJoin: its input
// keeps the needed columns and those its IN probe reads; the subquery keeps
// its single column (pruned inside); the appended column moves to the end
// of the narrower input.
func pruneSubqueryJoin(n *logical.SubqueryJoin, need []int) (logical.Plan, remapping, bool) {
	w := n.Input.Schema().NumFields()
	var inNeed []int
	for _, c := range need {
		if c < w {
			inNeed = append(inNeed, c)
		}
	}
	var probes []expr.Expr
	if n.Probe != nil {
		probes = append(probes, n.Probe)
	}
	child, cm, cc := prune(n.Input, colSet(inNeed, probes...))
	sub, _, sc := prune(n.Subquery, allColumns(n.Subquery))
	if !cc && !sc {
		return n, nil, false
	}
	nj := &logical.SubqueryJoin{Kind: n.Kind, Input: child, Subquery: sub, Name: n.Name}
	if n.Probe != nil {
		nj.Probe = cm.apply(n.Probe)
	}
	newW := child.Schema().NumFields()
	if cm == nil && newW == w {
		return nj, nil, true
	}
	m := remapping{}
	for _, c := range need {
		switch {
		case c >= w:
			m[c] = newW
		case cm == nil:
			m[c] = c
		default:
			m[c] = cm[c]
		}
	}
	return nj, m, true
}
