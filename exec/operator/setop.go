package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// SetOpKind is the set operation NewSetOp performs.
type SetOpKind int

// Set operations over whole rows (NULLs equal each other).
const (
	Intersect SetOpKind = iota
	Except
)

// setOp computes left INTERSECT/EXCEPT right [ALL] by hashing: it first
// reads the right input completely, counting the rows of each distinct
// key (the whole row), then streams the left input and keeps each row
// according to those counts.
type setOp struct {
	left, right Operator
	kind        SetOpKind
	all         bool
	schema      *arrow.Schema
	mem         memory.Allocator
	res         reservation

	built   bool
	g       grouper
	counts  []int64 // per group: right rows not yet matched (ALL) or seen (DISTINCT)
	emitted []bool  // DISTINCT: group already output
	out     arrow.RecordBatch
	mask    []bool
	closed  bool
}

// NewSetOp returns an operator computing left INTERSECT right or left
// EXCEPT right over whole rows, NULLs comparing equal (MySQL 8.0.31 set
// semantics; strings compare under the default collation). With all=false each qualifying distinct row is emitted once;
// with all=true a row occurring m times on the left and n on the right is
// emitted min(m, n) times (INTERSECT) or max(m-n, 0) times (EXCEPT). Output
// rows come from the left input in its order, re-labelled with schema;
// both inputs must produce schema's column types. The right input's
// distinct rows are held in memory and charged to budget (nil =
// unlimited); the left input streams. The operator owns both inputs.
func NewSetOp(left, right Operator, kind SetOpKind, all bool, schema *arrow.Schema, mem memory.Allocator, budget *Budget) Operator {
	name := "INTERSECT"
	if kind == Except {
		name = "EXCEPT"
	}
	return &setOp{left: left, right: right, kind: kind, all: all, schema: schema, mem: mem,
		res: reservation{budget: budget, op: name}}
}

func (o *setOp) Schema() *arrow.Schema { return o.schema }
func (o *setOp) Children() []Operator  { return []Operator{o.left, o.right} }

func (o *setOp) Open(ctx context.Context) error {
	for _, in := range []Operator{o.left, o.right} {
		if !schemaTypesMatch(o.schema, in.Schema()) {
			return errs.Internalf("set operation input has schema %s, the operation declares %s", fieldsString(in.Schema()), fieldsString(o.schema))
		}
	}
	types := make([]arrow.DataType, o.schema.NumFields())
	for i, f := range o.schema.Fields() {
		types[i] = keyType(f.Type)
	}
	g, err := newGrouper(types)
	if err != nil {
		return err
	}
	o.g = g
	if err := o.right.Open(ctx); err != nil {
		return err
	}
	return o.left.Open(ctx)
}

// build counts the right input's rows per distinct row.
func (o *setOp) build(ctx context.Context) error {
	o.built = true
	defer o.right.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := o.right.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			return nil
		}
		if b.NumRows() == 0 {
			continue
		}
		ids, err := o.assign(b)
		if err != nil {
			return err
		}
		for _, id := range ids {
			o.counts[id]++
		}
	}
}

// assign maps b's rows to groups (creating groups for new rows) and charges
// the growth to the budget: the grouper's keys plus a count and a flag per
// group.
func (o *setOp) assign(b arrow.RecordBatch) ([]int32, error) {
	keys := comparisonKeys(o.mem, b.Columns())
	defer releaseArrays(keys)
	before, groupsBefore := o.g.size(), o.g.groups()
	ids, _, err := o.g.assign(keys, int(b.NumRows()))
	if err != nil {
		return nil, err
	}
	if grow := o.g.groups() - len(o.counts); grow > 0 {
		o.counts = append(o.counts, make([]int64, grow)...)
		if !o.all {
			o.emitted = append(o.emitted, make([]bool, grow)...)
		}
	}
	if err := o.res.grow(o.g.size() - before + 9*int64(o.g.groups()-groupsBefore)); err != nil {
		return nil, err
	}
	return ids, nil
}

func (o *setOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.out)
	if !o.built {
		if err := o.build(ctx); err != nil {
			return nil, err
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := o.left.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		n := int(b.NumRows())
		if n == 0 {
			continue
		}
		ids, err := o.assign(b)
		if err != nil {
			return nil, err
		}
		if cap(o.mask) < n {
			o.mask = make([]bool, n)
		}
		mask := o.mask[:n]
		kept := 0
		for i, id := range ids {
			keep := false
			inRight := o.counts[id] > 0
			switch {
			case o.all && o.kind == Intersect:
				if inRight {
					o.counts[id]--
					keep = true
				}
			case o.all: // EXCEPT ALL
				if inRight {
					o.counts[id]--
				} else {
					keep = true
				}
			default:
				keep = !o.emitted[id] && inRight == (o.kind == Intersect)
				if keep {
					o.emitted[id] = true
				}
			}
			mask[i] = keep
			if keep {
				kept++
			}
		}
		if kept == 0 {
			continue
		}
		var out arrow.RecordBatch
		if kept == n {
			if out, err = conformBatch(o.schema, b, "set operation input"); err != nil {
				return nil, err
			}
		} else {
			m := buildBool(o.mem, mask, nil)
			cctx := exec.WithAllocator(ctx, o.mem)
			filtered, ferr := compute.FilterRecordBatch(cctx, b, m, compute.DefaultFilterOptions())
			m.Release()
			if ferr != nil {
				return nil, errs.Wrap(errs.ErrInternal, ferr, "set operation: selecting rows")
			}
			out, err = conformBatch(o.schema, filtered, "set operation input")
			filtered.Release()
			if err != nil {
				return nil, err
			}
		}
		o.out = out
		return out, nil
	}
}

func (o *setOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.out)
	o.g, o.counts, o.emitted = nil, nil, nil
	o.res.releaseAll()
	err := o.right.Close()
	if lerr := o.left.Close(); err == nil {
		err = lerr
	}
	return err
}
