package operator

import (
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// NewNestedLoopJoin returns a join without equi-keys (CROSS JOIN, comma
// joins, ON conditions with no equality between the inputs): it reads the
// build side (the right input unless spec.BuildLeft) into memory, then for
// each probe batch pairs every probe row with every build row, a chunk of at
// most 8192 pairs at a time, gathers each chunk (arrow take) and evaluates
// spec.Condition over it vectorized. Every join type of JoinSpec works as in
// NewHashJoin; spec must have no keys and NullAware false (fold NOT IN's
// key comparisons into Condition).
//
// Only the build side is held: a cross product streams however large it
// is. The build side is accounted in budget (nil: unlimited); a build side
// over the limit fails with errs.ErrResourceExhausted, not an out-of-memory
// crash. Lifecycle as every Operator.
func NewNestedLoopJoin(left, right Operator, spec JoinSpec, mem memory.Allocator, budget *Budget) Operator {
	return newJoin(left, right, spec, false, mem, budget, "nested-loop join")
}
