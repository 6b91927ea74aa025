package logical

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// DefaultMaxRecursionDepth is MySQL's default @@cte_max_recursion_depth.
const DefaultMaxRecursionDepth = 1000

// RecursiveCTE is WITH RECURSIVE name AS (anchor UNION [ALL|DISTINCT]
// recursive): it outputs Anchor's rows, then repeatedly runs Recursive
// over the rows the previous round produced (read by the WorkTable leaves
// with the same ID inside Recursive) until a round produces no new rows.
// With Distinct, a row already produced (by the anchor or any round) is
// dropped, NULLs comparing equal; otherwise every row is kept (UNION ALL).
//
// Anchor and Recursive produce exactly Out's column types (the plan builder
// casts the recursive member to the anchor's types, as MySQL does); the
// output takes Out's names. Starting round MaxDepth+1 (a round reads a
// non-empty previous round) is ErrResourceExhausted "Recursive query
// aborted after N iterations" (MySQL's cte_max_recursion_depth).
// Rows come in round order.
type RecursiveCTE struct {
	ID        int // unique within the statement; WorkTable.ID refers to it
	Name      string
	Anchor    Plan
	Recursive Plan
	Distinct  bool
	Out       *arrow.Schema
	MaxDepth  int64
}

// WorkTable reads the rows the previous round of the RecursiveCTE with the
// same ID produced (in the first round: the anchor's rows). It appears only
// inside that RecursiveCTE's Recursive plan. Its schema is the CTE's Out.
type WorkTable struct {
	ID   int
	Name string
	Out  *arrow.Schema
}

var (
	_ Plan = (*RecursiveCTE)(nil)
	_ Plan = (*WorkTable)(nil)
)

func (r *RecursiveCTE) Schema() *arrow.Schema { return r.Out }
func (r *RecursiveCTE) Children() []Plan      { return []Plan{r.Anchor, r.Recursive} }
func (r *RecursiveCTE) WithChildren(c []Plan) Plan {
	n := *r
	n.Anchor, n.Recursive = c[0], c[1]
	return &n
}
func (r *RecursiveCTE) String() string {
	return "RecursiveCTE: " + FormatRecursiveCTE(r.Name, r.ID, r.Distinct, r.MaxDepth, r.Out)
}

// FormatRecursiveCTE renders a recursive CTE's attributes as
// "name#id union=all|distinct max_depth=N columns=[a, b]" (shared by the
// logical and physical nodes, which prefix their own node name).
func FormatRecursiveCTE(name string, id int, distinct bool, maxDepth int64, out *arrow.Schema) string {
	union := "all"
	if distinct {
		union = "distinct"
	}
	return fmt.Sprintf("%s#%d union=%s max_depth=%d columns=[%s]", name, id, union, maxDepth, fieldNames(out))
}

func (w *WorkTable) Schema() *arrow.Schema      { return w.Out }
func (w *WorkTable) Children() []Plan           { return nil }
func (w *WorkTable) WithChildren(c []Plan) Plan { return w }
func (w *WorkTable) String() string             { return fmt.Sprintf("WorkTable: %s#%d", w.Name, w.ID) }
