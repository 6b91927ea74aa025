package expr

// Transform rewrites e bottom-up: children first, then f on the rebuilt
// node. f returns the replacement (or its argument unchanged). Transform
// never mutates e.
func Transform(e Expr, f func(Expr) Expr) Expr {
	ch := e.Children()
	if len(ch) > 0 {
		nc := make([]Expr, len(ch))
		changed := false
		for i, c := range ch {
			nc[i] = Transform(c, f)
			if nc[i] != c {
				changed = true
			}
		}
		if changed {
			e = e.WithChildren(nc)
		}
	}
	return f(e)
}

// Walk calls f on e and its descendants, pre-order, until f returns false
// for a node (its subtree is then skipped).
func Walk(e Expr, f func(Expr) bool) {
	if !f(e) {
		return
	}
	for _, c := range e.Children() {
		Walk(c, f)
	}
}

// ColumnsUsed returns the distinct column indexes e reads, in first-use order.
func ColumnsUsed(e Expr) []int {
	var out []int
	seen := map[int]bool{}
	Walk(e, func(n Expr) bool {
		if c, ok := n.(*Column); ok && !seen[c.Index] {
			seen[c.Index] = true
			out = append(out, c.Index)
		}
		return true
	})
	return out
}

// Remap returns e with every Column index i replaced by mapping[i]. Columns
// whose index is not in mapping are left as they are.
func Remap(e Expr, mapping map[int]int) Expr {
	return Transform(e, func(n Expr) Expr {
		if c, ok := n.(*Column); ok {
			if to, ok := mapping[c.Index]; ok && to != c.Index {
				return &Column{Index: to, Name: c.Name, DataType: c.DataType}
			}
		}
		return n
	})
}

// SplitConjunction flattens nested ANDs into their operands.
func SplitConjunction(e Expr) []Expr {
	if b, ok := e.(*Binary); ok && b.Op == OpAnd {
		return append(SplitConjunction(b.Left), SplitConjunction(b.Right)...)
	}
	return []Expr{e}
}

// Conjoin ANDs the expressions together (nil for none). The operands must be
// boolean.
func Conjoin(es []Expr) Expr {
	if len(es) == 0 {
		return nil
	}
	out := es[0]
	for _, e := range es[1:] {
		out = &Binary{Op: OpAnd, Left: out, Right: e, DataType: out.Type()}
	}
	return out
}

// IsConstant reports whether e reads no column (it may still call a
// non-deterministic function; see Call).
func IsConstant(e Expr) bool {
	constant := true
	Walk(e, func(n Expr) bool {
		if _, ok := n.(*Column); ok {
			constant = false
		}
		return constant
	})
	return constant
}
