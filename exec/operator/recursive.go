package operator

import (
	"context"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// WorkTable holds the rows one round of a recursive CTE produced, for the
// WorkTableScans of the next round to read. The RecursiveCTE operator that
// created it owns the batches; a scan hands them out without retaining
// them, valid until the round ends (the scan's tree is closed before the
// table changes). Not safe for concurrent use: one RecursiveCTE and the
// scans of the round it is running use it from one goroutine.
type WorkTable struct {
	batches []arrow.RecordBatch
}

// NewWorkTable returns an empty work table.
func NewWorkTable() *WorkTable { return &WorkTable{} }

type workTableScan struct {
	wt     *WorkTable
	schema *arrow.Schema
	pos    int
}

// NewWorkTableScan returns an operator that emits the work table's current
// batches (the previous round's rows), relabelled with schema, whose types
// must be theirs.
func NewWorkTableScan(wt *WorkTable, schema *arrow.Schema) Operator {
	return &workTableScan{wt: wt, schema: schema}
}

func (w *workTableScan) Schema() *arrow.Schema          { return w.schema }
func (w *workTableScan) Children() []Operator           { return nil }
func (w *workTableScan) Open(ctx context.Context) error { return nil }
func (w *workTableScan) Close() error                   { return nil }
func (w *workTableScan) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.wt == nil || w.pos >= len(w.wt.batches) {
		return nil, nil
	}
	b := w.wt.batches[w.pos]
	w.pos++
	return b, nil
}

// RecursiveCTE runs WITH RECURSIVE: see NewRecursiveCTE.
type recursiveCTE struct {
	anchor   Operator
	member   func(ctx context.Context) (Operator, error)
	wt       *WorkTable
	schema   *arrow.Schema
	distinct bool
	maxDepth int64
	mem      memory.Allocator
	res      reservation

	opened, closed, done bool
	cur                  Operator // the anchor, then the running round's member
	anchorClosed         bool
	next                 []arrow.RecordBatch // this round's rows: the next work table
	nextBytes, wtBytes   int64
	depth                int64
	g                    grouper // distinct: every row produced so far
}

// NewRecursiveCTE returns the operator of a recursive CTE. It emits the
// anchor's rows, then runs rounds: each round puts the previous round's
// rows in wt and builds (with member) and drains a fresh operator tree of
// the recursive member, whose WorkTableScans read wt; it stops after a
// round with no rows. With distinct, rows already emitted (NULLs equal)
// are dropped. Starting round maxDepth+1 is ErrResourceExhausted, in
// MySQL's words. Inputs must produce schema's types; output batches are
// labelled with schema and stay valid until the following round ends
// (longer than the Next contract promises).
//
// The rows of the running and the previous round, and the distinct rows
// seen, are held in memory and charged to budget (nil = unlimited). The
// operator owns anchor and every member tree it builds; member is called
// on the goroutine calling Next, and a panic in it is returned as
// ErrInternal.
func NewRecursiveCTE(anchor Operator, member func(ctx context.Context) (Operator, error), wt *WorkTable, schema *arrow.Schema, distinct bool, maxDepth int64, mem memory.Allocator, budget *Budget) Operator {
	return &recursiveCTE{anchor: anchor, member: member, wt: wt, schema: schema, distinct: distinct,
		maxDepth: maxDepth, mem: mem, res: reservation{budget: budget, op: "recursive common table expression"}}
}

func (r *recursiveCTE) Schema() *arrow.Schema { return r.schema }
func (r *recursiveCTE) Children() []Operator {
	if r.cur != nil && r.cur != r.anchor {
		return []Operator{r.anchor, r.cur}
	}
	return []Operator{r.anchor}
}

func (r *recursiveCTE) Open(ctx context.Context) error {
	if r.opened {
		return errs.Internalf("recursive CTE opened twice")
	}
	r.opened = true
	if r.distinct {
		types := make([]arrow.DataType, r.schema.NumFields())
		for i, f := range r.schema.Fields() {
			types[i] = keyType(f.Type)
		}
		g, err := newGrouper(types)
		if err != nil {
			return err
		}
		r.g = g
	}
	r.cur = r.anchor
	return r.anchor.Open(ctx)
}

func (r *recursiveCTE) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if !r.opened || r.closed {
		return nil, errs.Internalf("recursive CTE: Next before Open or after Close")
	}
	for !r.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := r.cur.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			if err := r.nextRound(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if b.NumRows() == 0 {
			continue
		}
		out, err := r.keep(ctx, b)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
	return nil, nil
}

// keep relabels b, drops rows already seen (distinct) and holds the rest
// for the next round; nil when nothing is left.
func (r *recursiveCTE) keep(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	if !schemaTypesMatch(r.schema, b.Schema()) {
		return nil, errs.Internalf("recursive CTE input has schema %s, the CTE declares %s", fieldsString(b.Schema()), fieldsString(r.schema))
	}
	out := array.NewRecordBatch(r.schema, b.Columns(), b.NumRows())
	if r.distinct {
		keys := comparisonKeys(r.mem, out.Columns())
		before := r.g.size()
		groupsBefore := r.g.groups()
		_, newRows, err := r.g.assign(keys, int(out.NumRows()))
		releaseArrays(keys)
		if err != nil {
			out.Release()
			return nil, err
		}
		if err := r.res.grow(r.g.size() - before + int64(r.g.groups()-groupsBefore)); err != nil {
			out.Release()
			return nil, err
		}
		switch {
		case len(newRows) == 0:
			out.Release()
			return nil, nil
		case len(newRows) < int(out.NumRows()):
			taken, err := takeRows(ctx, r.mem, out, newRows)
			out.Release()
			if err != nil {
				return nil, err
			}
			out = taken
		}
	}
	n := batchBytes(out)
	if err := r.res.grow(n); err != nil {
		out.Release()
		return nil, err
	}
	r.nextBytes += n
	r.next = append(r.next, out)
	return out, nil
}

// nextRound ends the running round (the anchor or a member tree) and
// starts the next one when the ended round produced rows.
func (r *recursiveCTE) nextRound(ctx context.Context) error {
	if r.cur == r.anchor {
		r.anchorClosed = true
	}
	err := r.cur.Close()
	r.cur = nil
	if err != nil {
		return err
	}
	releaseBatches(r.wt.batches)
	r.res.shrink(r.wtBytes)
	r.wt.batches, r.wtBytes = r.next, r.nextBytes
	r.next, r.nextBytes = nil, 0
	if len(r.wt.batches) == 0 {
		r.done = true
		return nil
	}
	r.depth++
	if r.depth > r.maxDepth {
		return errs.Exhaustedf("Recursive query aborted after %d iterations. Try increasing @@cte_max_recursion_depth to a larger value.", r.depth)
	}
	op, err := r.buildMember(ctx)
	if err != nil {
		return err
	}
	r.cur = op
	return op.Open(ctx)
}

func (r *recursiveCTE) buildMember(ctx context.Context) (op Operator, err error) {
	defer func() {
		if p := recover(); p != nil {
			op, err = nil, errs.Internalf("building the recursive member panicked: %v\n%s", p, debug.Stack())
		}
	}()
	op, err = r.member(ctx)
	if err == nil && op == nil {
		err = errs.Internalf("recursive member built no operator")
	}
	return op, err
}

func (r *recursiveCTE) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	var first error
	if r.cur != nil && r.cur != r.anchor {
		first = r.cur.Close()
	}
	r.cur = nil
	if !r.anchorClosed {
		r.anchorClosed = true
		if err := r.anchor.Close(); err != nil && first == nil {
			first = err
		}
	}
	releaseBatches(r.wt.batches)
	r.wt.batches = nil
	releaseBatches(r.next)
	r.next = nil
	r.res.releaseAll()
	return first
}
