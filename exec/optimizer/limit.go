package optimizer

import (
	"context"
	"math"

	"github.com/quiverdb/quiver/exec/logical"
)

// LimitPushdown gives a Scan the number of rows a Limit above it needs
// (offset + count) when only Projects sit between them and the scan has
// no Inexact or Unsupported filter (its Exact filters are applied by the
// source, so the first n rows it returns are the first n that pass). The
// Limit node stays: a source may return more rows than asked. Over a
// UNION ALL, each branch gets its own Limit of offset + count (no branch
// can contribute more rows than that), which then travels down the branch
// the same way.
type LimitPushdown struct{}

// Name implements Rule.
func (LimitPushdown) Name() string { return "limit_pushdown" }

// Rewrite implements Rule.
func (LimitPushdown) Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error) {
	return transformUp(ctx, p, func(n logical.Plan) (logical.Plan, bool, error) {
		l, ok := n.(*logical.Limit)
		if !ok || l.Count < 0 {
			return n, false, nil
		}
		want := l.Count
		if l.Offset > 0 {
			if l.Offset > math.MaxInt64-want {
				return n, false, nil
			}
			want += l.Offset
		}
		in, ok := pushLimit(l.Input, want)
		if !ok {
			return n, false, nil
		}
		return &logical.Limit{Input: in, Offset: l.Offset, Count: l.Count}, true, nil
	})
}

// pushLimit sets the limit on the scan under a chain of Projects; false
// when there is none, it may not take one, or it already has one as tight.
func pushLimit(p logical.Plan, n int64) (logical.Plan, bool) {
	switch x := p.(type) {
	case *logical.Project:
		in, ok := pushLimit(x.Input, n)
		if !ok {
			return p, false
		}
		return &logical.Project{Input: in, Exprs: x.Exprs, Names: x.Names}, true
	case *logical.Union:
		inputs := make([]logical.Plan, len(x.Inputs))
		changed := false
		for i, in := range x.Inputs {
			inputs[i] = in
			if l, ok := in.(*logical.Limit); ok && l.Offset == 0 && l.Count >= 0 && l.Count <= n {
				continue // already as tight
			}
			below, _ := pushLimit(in, n)
			inputs[i] = &logical.Limit{Input: below, Count: n}
			changed = true
		}
		if !changed {
			return p, false
		}
		return &logical.Union{Inputs: inputs, Out: x.Out}, true
	case *logical.Scan:
		if len(x.PartialFilters) > 0 || len(x.Unsupported) > 0 {
			return p, false
		}
		if x.Limit >= 0 && x.Limit <= n {
			return p, false
		}
		ns := *x
		ns.Limit = n
		return &ns, true
	}
	return p, false
}
