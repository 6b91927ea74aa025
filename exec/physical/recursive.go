package physical

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
)

// RecursiveCTEExec runs a recursive CTE (logical.RecursiveCTE): Anchor
// once, then Recursive round after round, each round instantiated afresh
// over the previous round's rows (read by the WorkTableExec leaves with
// the same ID). See operator.NewRecursiveCTE.
type RecursiveCTEExec struct {
	ID        int
	Name      string
	Anchor    Plan
	Recursive Plan
	Distinct  bool
	Out       *arrow.Schema
	MaxDepth  int64
}

// WorkTableExec reads the previous round of the RecursiveCTEExec with the
// same ID; it only appears inside that node's Recursive plan.
type WorkTableExec struct {
	ID   int
	Name string
	Out  *arrow.Schema
}

var (
	_ Plan = (*RecursiveCTEExec)(nil)
	_ Plan = (*WorkTableExec)(nil)
)

func (r *RecursiveCTEExec) Schema() *arrow.Schema { return r.Out }
func (r *RecursiveCTEExec) Children() []Plan      { return []Plan{r.Anchor, r.Recursive} }
func (r *RecursiveCTEExec) WithChildren(c []Plan) Plan {
	n := *r
	n.Anchor, n.Recursive = c[0], c[1]
	return &n
}
func (r *RecursiveCTEExec) String() string {
	return "RecursiveCTEExec: " + logical.FormatRecursiveCTE(r.Name, r.ID, r.Distinct, r.MaxDepth, r.Out)
}

func (w *WorkTableExec) Schema() *arrow.Schema      { return w.Out }
func (w *WorkTableExec) Children() []Plan           { return nil }
func (w *WorkTableExec) WithChildren(c []Plan) Plan { return w }
func (w *WorkTableExec) String() string             { return fmt.Sprintf("WorkTableExec: %s#%d", w.Name, w.ID) }

// lowerRecursive lowers the recursive-CTE nodes; ok is false for others.
func lowerRecursive(p logical.Plan, child func(logical.Plan) (Plan, error)) (Plan, bool, error) {
	switch n := p.(type) {
	case *logical.RecursiveCTE:
		a, err := child(n.Anchor)
		if err != nil {
			return nil, true, err
		}
		r, err := child(n.Recursive)
		if err != nil {
			return nil, true, err
		}
		return &RecursiveCTEExec{ID: n.ID, Name: n.Name, Anchor: a, Recursive: r, Distinct: n.Distinct, Out: n.Out, MaxDepth: n.MaxDepth}, true, nil
	case *logical.WorkTable:
		return &WorkTableExec{ID: n.ID, Name: n.Name, Out: n.Out}, true, nil
	}
	return nil, false, nil
}

// buildRecursive instantiates a RecursiveCTEExec: the anchor now, the
// recursive member once per round (lazily, by the operator), with the
// CTE's work table visible to the member's WorkTableExec leaves while it
// is built.
func (b *builder) buildRecursive(ctx context.Context, n *RecursiveCTEExec) (operator.Operator, error) {
	anchor, err := b.build(ctx, n.Anchor)
	if err != nil {
		return nil, err
	}
	wt := operator.NewWorkTable()
	member := func(ctx context.Context) (operator.Operator, error) {
		if b.workTables == nil {
			b.workTables = map[int]*operator.WorkTable{}
		}
		prev, had := b.workTables[n.ID]
		b.workTables[n.ID] = wt
		defer func() {
			if had {
				b.workTables[n.ID] = prev
			} else {
				delete(b.workTables, n.ID)
			}
		}()
		return b.build(ctx, n.Recursive)
	}
	var op operator.Operator = operator.NewRecursiveCTE(anchor, member, wt, n.Out, n.Distinct, n.MaxDepth, b.env.Mem, b.env.Budget)
	if b.metrics != nil {
		m := operator.Instrument(op)
		b.metrics[n] = m
		op = m
	}
	return op, nil
}

// workTableScan instantiates a WorkTableExec inside its CTE's member.
func (b *builder) workTableScan(n *WorkTableExec) (operator.Operator, error) {
	wt, ok := b.workTables[n.ID]
	if !ok {
		return nil, errs.Internalf("work table of recursive CTE %s#%d is read outside its recursive member", n.Name, n.ID)
	}
	return operator.NewWorkTableScan(wt, n.Out), nil
}
