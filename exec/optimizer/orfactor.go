package optimizer

import (
	"context"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

// FactorDisjunctions pulls the conjuncts every branch of an OR shares out of
// it: (A AND X) OR (A AND Y) becomes A AND (X OR Y), and A OR (A AND Y)
// becomes A. Both identities hold in SQL's three-valued (Kleene) logic. The
// point is join keys hidden inside ORs (TPC-H Q19 repeats p_partkey =
// l_partkey in each branch): once factored out, pushdown and JoinConditions
// see an equality and plan a hash join instead of a nested loop.
type FactorDisjunctions struct{}

// Name implements Rule.
func (FactorDisjunctions) Name() string { return "factor_disjunctions" }

// Rewrite implements Rule.
func (FactorDisjunctions) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	return transformUp(ctx, p, func(n logical.Plan) (logical.Plan, bool, error) {
		f, ok := n.(*logical.Filter)
		if !ok {
			return n, false, nil
		}
		pred, changed := factorExpr(f.Predicate)
		if !changed {
			return n, false, nil
		}
		return &logical.Filter{Input: f.Input, Predicate: pred}, true, nil
	})
}

// factorExpr rewrites every OR in e bottom-up.
func factorExpr(e expr.Expr) (expr.Expr, bool) {
	changed := false
	out := expr.Transform(e, func(n expr.Expr) expr.Expr {
		b, ok := n.(*expr.Binary)
		if !ok || b.Op != expr.OpOr {
			return n
		}
		if f, ok := factorOr(b); ok {
			changed = true
			return f
		}
		return n
	})
	return out, changed
}

// factorOr factors one OR chain; ok is false when its branches share nothing.
func factorOr(or *expr.Binary) (expr.Expr, bool) {
	branches := splitDisjunction(or)
	conj := make([][]expr.Expr, len(branches))
	for i, br := range branches {
		conj[i] = expr.SplitConjunction(br)
	}
	// Common conjuncts: those of the first branch present in every other.
	var common []expr.Expr
	commonKeys := map[string]bool{}
	for _, c := range conj[0] {
		k := expr.Fingerprint(c)
		if commonKeys[k] {
			continue
		}
		inAll := true
		for _, other := range conj[1:] {
			if !containsKey(other, k) {
				inAll = false
				break
			}
		}
		if inAll {
			common = append(common, c)
			commonKeys[k] = true
		}
	}
	if len(common) == 0 {
		return nil, false
	}
	var rest []expr.Expr
	for _, cs := range conj {
		var left []expr.Expr
		for _, c := range cs {
			if !commonKeys[expr.Fingerprint(c)] {
				left = append(left, c)
			}
		}
		if len(left) == 0 {
			// One branch is exactly the common part: A OR (A AND Y) = A.
			return expr.Conjoin(common), true
		}
		rest = append(rest, expr.Conjoin(left))
	}
	disj := rest[0]
	for _, r := range rest[1:] {
		disj = &expr.Binary{Op: expr.OpOr, Left: disj, Right: r, DataType: or.DataType}
	}
	return expr.Conjoin(append(common, disj)), true
}

func splitDisjunction(e expr.Expr) []expr.Expr {
	if b, ok := e.(*expr.Binary); ok && b.Op == expr.OpOr {
		return append(splitDisjunction(b.Left), splitDisjunction(b.Right)...)
	}
	return []expr.Expr{e}
}

func containsKey(es []expr.Expr, key string) bool {
	for _, e := range es {
		if expr.Fingerprint(e) == key {
			return true
		}
	}
	return false
}
