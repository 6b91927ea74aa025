package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// filterOp keeps the rows where a predicate is TRUE (NULL and FALSE drop).
type filterOp struct {
	input     Operator
	predicate expr.Expr
	mem       memory.Allocator
	cur       arrow.RecordBatch
	// constant is set for a literal predicate: keepAll (TRUE) or dropAll
	// (FALSE/NULL, e.g. WHERE 1=0 from a client probing the schema).
	keepAll, dropAll bool
	closed           bool
	rows             []int32 // passing row indexes, reused per batch
}

// NewFilter returns an operator emitting input's rows for which predicate
// (an expression over input's schema, normally BOOL) is TRUE; NULL and FALSE
// rows are dropped (as expr.FilterBatch does). Batches where every row
// passes are forwarded without copying; batches where none passes are
// skipped, so Filter never emits an empty batch. A constant FALSE or NULL
// predicate emits nothing without reading the input.
func NewFilter(input Operator, predicate expr.Expr, mem memory.Allocator) Operator {
	o := &filterOp{input: input, predicate: predicate, mem: mem}
	if l, ok := predicate.(*expr.Literal); ok {
		if v, isBool := l.Value.(bool); isBool && v {
			o.keepAll = true
		} else if l.Value == nil || isBool {
			o.dropAll = true
		}
	}
	return o
}

func (o *filterOp) Schema() *arrow.Schema { return o.input.Schema() }
func (o *filterOp) Children() []Operator  { return []Operator{o.input} }

func (o *filterOp) Open(ctx context.Context) error {
	if o.predicate == nil {
		return errs.Internalf("filter without a predicate")
	}
	if o.dropAll {
		return nil
	}
	return o.input.Open(ctx)
}

func (o *filterOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	if o.dropAll {
		return nil, nil
	}
	for {
		b, err := o.input.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		if b.NumRows() == 0 {
			continue
		}
		if o.keepAll {
			b.Retain()
			o.cur = b
			return b, nil
		}
		out, err := o.filter(ctx, b)
		if err != nil {
			return nil, err
		}
		if out != nil {
			o.cur = out
			return out, nil
		}
	}
}

// filter applies the predicate to b (expr.EvalMask: TRUE rows stay, with
// MySQL's truthiness for non-BOOL predicates). The result is nil when no
// row passes, b retained when all do, a new batch otherwise: the passing
// rows gathered in typed loops (gatherRows), which for decimals and strings
// is several times cheaper than compute.Filter.
func (o *filterOp) filter(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	mask, err := expr.EvalMask(ctx, o.predicate, b, o.mem)
	if err != nil {
		return nil, err
	}
	o.rows = passingRows(mask, o.rows[:0])
	mask.Release()
	switch len(o.rows) {
	case 0:
		return nil, nil
	case int(b.NumRows()):
		b.Retain()
		return b, nil
	}
	return gatherRows(ctx, o.mem, b, o.rows)
}

// passingRows appends to rows the indexes where the BOOL mask is TRUE.
func passingRows(mask arrow.Array, rows []int32) []int32 {
	d := mask.Data()
	off := d.Offset()
	vals := d.Buffers()[1].Bytes()
	var valid []byte
	if mask.NullN() > 0 {
		valid = d.Buffers()[0].Bytes()
	}
	for i := 0; i < mask.Len(); i++ {
		if bitutil.BitIsSet(vals, off+i) && (valid == nil || bitutil.BitIsSet(valid, off+i)) {
			rows = append(rows, int32(i))
		}
	}
	return rows
}

func (o *filterOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	return o.input.Close()
}
