// Package physopt rewrites physical plans (exec/physical) with an ordered,
// pluggable list of rules, the last of which only validates the result.
//
// Contract:
//
//   - A Rule is stateless: it keeps nothing in its own fields between calls
//     and is safe to use from many goroutines at once.
//
//   - Rewrite never mutates its input plan; it builds new nodes and reports
//     honestly whether it changed anything (changed is computed, never
//     guessed by comparing printed plans).
//
//   - DefaultRules returns a fresh slice each call. Users extend it by
//     inserting their own rules before the last one (SanityCheck), e.g.
//
//     rules := physopt.DefaultRules()
//     rules = slices.Insert(rules, len(rules)-1, myRule)
//
//     SanityCheck must stay last so that it sees every rewrite.
//
// This mirrors DataFusion's physical optimizer (an ordered list with the
// reason for each rule's place written next to it).
package physopt

import (
	"context"
	"runtime"
	"runtime/debug"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/physical"
)

// Config is what the rules may consult. The zero value is usable.
type Config struct {
	// Parallelism is the most partitions one scan reads at once; 0 means
	// runtime.GOMAXPROCS(0).
	Parallelism int
}

// EffectiveParallelism is Parallelism, or GOMAXPROCS when it is 0 or less.
func (c Config) EffectiveParallelism() int {
	if c.Parallelism > 0 {
		return c.Parallelism
	}
	return runtime.GOMAXPROCS(0)
}

// Rule is one physical rewrite.
type Rule interface {
	// Name identifies the rule in errors and logs.
	Name() string
	// Rewrite returns the rewritten plan and whether it differs from plan.
	// It must not mutate plan. An error aborts planning.
	Rewrite(ctx context.Context, plan physical.Plan, cfg Config) (physical.Plan, bool, error)
}

// SemanticRules are the rewrites results depend on, in order; every rule
// list the engine runs starts with them (a new slice each call):
//   - Collation first: it decides what string keys mean and only rewrites
//     keys, adding a Project above a string GROUP BY that the rules below
//     see like any other.
//   - BooleanResults next: it only touches the root's projection
//     (computed BOOL columns become BIGINT 1/0).
func SemanticRules() []Rule { return []Rule{Collation{}, BooleanResults{}} }

// DefaultRules returns the default rules, in order (a new slice each call;
// insert your own rules before the last one): SemanticRules, then
//   - TopN: it only bounds sorts (SortExec.Fetch, run by operator.NewTopN,
//     which keeps only the top rows), and later rules never move a Limit,
//     so the bound it sets stays valid;
//   - ScanParallelism after every rule that could replace a scan, so the
//     value it sets reflects the final partitions;
//   - SanityCheck last: it validates what every other rule produced and
//     never rewrites.
func DefaultRules() []Rule {
	return append(SemanticRules(), TopN{}, ScanParallelism{}, SanityCheck{})
}

// ValidationRules are the rules the engine runs alone when its optimizer is
// disabled: SemanticRules, then the rule that only checks a plan
// (SanityCheck).
func ValidationRules() []Rule { return append(SemanticRules(), SanityCheck{}) }

// Optimize applies rules in order, once each. Each rule's error is returned
// wrapped with the rule's name (keeping its errs kind); a panic in a rule is
// recovered and returned as errs.ErrInternal.
func Optimize(ctx context.Context, plan physical.Plan, cfg Config, rules []Rule) (out physical.Plan, err error) {
	for _, r := range rules {
		if err := ctx.Err(); err != nil {
			return nil, errs.Wrap(errs.ErrInvalid, err, "physical optimization cancelled")
		}
		plan, err = applyRule(ctx, r, plan, cfg)
		if err != nil {
			return nil, err
		}
	}
	return plan, nil
}

func applyRule(ctx context.Context, r Rule, plan physical.Plan, cfg Config) (out physical.Plan, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, errs.Internalf("physical rule %s panicked: %v\n%s", r.Name(), p, debug.Stack())
		}
	}()
	n, _, err := r.Rewrite(ctx, plan, cfg)
	if err != nil {
		return nil, errs.Wrap(kindOf(err), err, "physical rule %s", r.Name())
	}
	if n == nil {
		return nil, errs.Internalf("physical rule %s returned a nil plan", r.Name())
	}
	return n, nil
}

// ---- TopN

// TopN passes a Limit's row budget into the Sort below it: Limit(offset,
// count) over Sort (possibly through row-preserving Projects) becomes the
// same Limit over a Sort with Fetch = offset+count, so the sort keeps only
// the top rows instead of materializing its whole input. The Limit stays (it
// applies the offset).
type TopN struct{}

// Name implements Rule.
func (TopN) Name() string { return "TopN" }

// Rewrite implements Rule.
func (TopN) Rewrite(_ context.Context, plan physical.Plan, _ Config) (physical.Plan, bool, error) {
	return physical.Transform(plan, func(p physical.Plan) (physical.Plan, bool, error) {
		l, ok := p.(*physical.LimitExec)
		if !ok || l.Count < 0 || l.Offset < 0 {
			return p, false, nil
		}
		fetch := l.Offset + l.Count
		if fetch < 0 { // overflow: no useful bound
			return p, false, nil
		}
		in, changed := withFetch(l.Input, fetch)
		if !changed {
			return p, false, nil
		}
		return l.WithChildren([]physical.Plan{in}), true, nil
	})
}

// withFetch returns p with the first Sort reached through row-preserving
// Projects given a fetch of at most n rows, and whether anything changed.
func withFetch(p physical.Plan, n int64) (physical.Plan, bool) {
	switch x := p.(type) {
	case *physical.SortExec:
		if x.Fetch >= 0 && x.Fetch <= n {
			return p, false
		}
		return &physical.SortExec{Input: x.Input, Keys: x.Keys, Fetch: n}, true
	case *physical.ProjectExec:
		in, changed := withFetch(x.Input, n)
		if !changed {
			return p, false
		}
		return x.WithChildren([]physical.Plan{in}), true
	}
	return p, false
}

// ---- ScanParallelism

// ScanParallelism sets each scan's Parallelism to the number of partitions it
// can usefully read at once: min(partitions, Config parallelism), at least 1.
type ScanParallelism struct{}

// Name implements Rule.
func (ScanParallelism) Name() string { return "ScanParallelism" }

// Rewrite implements Rule.
func (ScanParallelism) Rewrite(_ context.Context, plan physical.Plan, cfg Config) (physical.Plan, bool, error) {
	max := cfg.EffectiveParallelism()
	return physical.Transform(plan, func(p physical.Plan) (physical.Plan, bool, error) {
		s, ok := p.(*physical.ScanExec)
		if !ok {
			return p, false, nil
		}
		want := len(s.Scan.Partitions())
		if want > max {
			want = max
		}
		if want < 1 {
			want = 1
		}
		if s.Parallelism == want {
			return p, false, nil
		}
		c := *s
		c.Parallelism = want
		return &c, true, nil
	})
}

// kindOf returns the errs kind err carries, or ErrInternal.
func kindOf(err error) error {
	for _, k := range []error{errs.ErrInvalid, errs.ErrNotFound, errs.ErrAlreadyExists, errs.ErrNotImplemented,
		errs.ErrResourceExhausted, errs.ErrUnavailable, errs.ErrPermission, errs.ErrInternal} {
		if isKind(err, k) {
			return k
		}
	}
	return errs.ErrInternal
}
