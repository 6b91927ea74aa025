// Package optimizer rewrites logical plans (exec/logical) with an ordered
// list of rules (DefaultRules says which and why in that order): constant
// folding, OR factoring and implied filters, predicate pushdown negotiated
// with each table (catalog.FilterPushdowner), join conditions and join
// order, projection pruning, limit pushdown, and TopN/aggregate pushdown
// into sources that offer it.
//
// Rules are stateless named values. A rule never mutates its input plan or
// itself: it builds new nodes and reports honestly whether it changed
// anything, so Optimize can stop at a fixpoint. Every rule is optional:
// Optimize with no rules returns the plan as built, which must run correctly
// (just slower); the golden tests run both ways.
package optimizer

import (
	"context"

	"runtime/debug"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/logical"
)

// Rule is one logical rewrite.
type Rule interface {
	// Name identifies the rule in errors and EXPLAIN output.
	Name() string
	// Rewrite returns the rewritten plan and whether it differs from p. It
	// must not mutate p (plans are shared) and must be safe to call from
	// several goroutines at once.
	Rewrite(ctx context.Context, p logical.Plan) (logical.Plan, bool, error)
}

// DefaultRules is the standard rule list, in order:
//
//  1. ConstantFolding first: it turns constant sub-expressions into
//     literals and removes always-true filters, so pushdown hands providers
//     simple literals and never negotiates a filter that folds away.
//  2. FactorDisjunctions before pushdown: conjuncts shared by every
//     branch of an OR (join keys, typically) become top-level conjuncts
//     that pushdown and JoinConditions can use.
//     InferDisjunctionFilters then adds the filter an OR over a join's
//     inputs implies on each input, so pushdown can take it to the scans.
//  3. PredicatePushdown next: filters move down to the scans and are
//     negotiated there; columns used only by Exact filters then leave the
//     plan above the scan.
//  4. JoinConditions after pushdown, which moves WHERE conjuncts over two
//     inputs into inner joins' conditions: it pushes single-input ON
//     conjuncts into the inputs (the next pass pushes them on to the
//     scans) and turns equalities into hash-join keys.
//  5. JoinReorder once the keys are known, so it can see which inputs
//     connect; it reads provider statistics.
//  6. ProjectionPruning after pushdown, so it sees where filters ended up
//     and keeps only the columns still read above each scan.
//  7. LimitPushdown: it needs the final filter placement and the
//     scans' verdicts (a limit may pass only Exact filters). It never
//     passes a join.
//  8. AggregatePushdown and TopNPushdown last: they offer a whole GROUP BY,
//     or an ORDER BY + LIMIT, to a table only once all its filters are
//     placed and known to be Exact. The next pass prunes the columns of the
//     scans they produce.
func DefaultRules() []Rule {
	return []Rule{ConstantFolding{}, FactorDisjunctions{}, InferDisjunctionFilters{}, PredicatePushdown{}, JoinConditions{}, JoinReorder{}, ProjectionPruning{}, LimitPushdown{},
		AggregatePushdown{}, TopNPushdown{}}
}

// maxPasses caps the passes over the rule list; a correct rule set reaches
// its fixpoint in two or three.
const maxPasses = 10

// Optimize applies rules in order, repeating the list until a whole pass
// changes nothing (or maxPasses passes ran). nil or empty rules return p
// unchanged. Errors keep their kind and name the rule; a panic in a rule is
// returned as ErrInternal.
func Optimize(ctx context.Context, p logical.Plan, rules []Rule) (logical.Plan, error) {
	for pass := 0; pass < maxPasses; pass++ {
		changedAny := false
		for _, r := range rules {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			np, changed, err := apply(ctx, r, p)
			if err != nil {
				return nil, err
			}
			if changed {
				p, changedAny = np, true
			}
		}
		if !changedAny {
			break
		}
	}
	return p, nil
}

func apply(ctx context.Context, r Rule, p logical.Plan) (np logical.Plan, changed bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			np, changed, err = nil, false, errs.Internalf("optimizer rule %s panicked: %v\n%s", r.Name(), v, debug.Stack())
		}
	}()
	np, changed, err = r.Rewrite(ctx, p)
	if err != nil {
		return nil, false, errs.Wrap(err, err, "optimizer rule %s", r.Name())
	}
	return np, changed, nil
}

// transformUp rebuilds p bottom-up: children first, then f on the node
// (with its new children). Unchanged subtrees keep their identity.
func transformUp(ctx context.Context, p logical.Plan, f func(logical.Plan) (logical.Plan, bool, error)) (logical.Plan, bool, error) {
	ch := p.Children()
	changed := false
	if len(ch) > 0 {
		nc := make([]logical.Plan, len(ch))
		for i, c := range ch {
			r, cc, err := transformUp(ctx, c, f)
			if err != nil {
				return nil, false, err
			}
			nc[i] = r
			changed = changed || cc
		}
		if changed {
			p = p.WithChildren(nc)
		}
	}
	np, c, err := f(p)
	if err != nil {
		return nil, false, err
	}
	return np, changed || c, nil
}
