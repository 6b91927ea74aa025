package operator

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
)

// batchesOp emits a fixed list of batches.
type batchesOp struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	next    int
	cur     arrow.RecordBatch
	closed  bool
}

// NewBatches returns an operator that emits the given batches in order. It
// Retains every batch now and Releases them in Close (so the caller may
// Release its own references right away, and must Close the operator).
// Batches must have schema's column types; a batch whose names differ is
// re-wrapped with schema, one whose types differ is an ErrInternal error at
// Next. Zero-row batches are skipped.
func NewBatches(schema *arrow.Schema, batches []arrow.RecordBatch) Operator {
	bs := make([]arrow.RecordBatch, len(batches))
	for i, b := range batches {
		b.Retain()
		bs[i] = b
	}
	return &batchesOp{schema: schema, batches: bs}
}

func (o *batchesOp) Schema() *arrow.Schema { return o.schema }
func (o *batchesOp) Children() []Operator  { return nil }
func (o *batchesOp) Open(context.Context) error {
	if o.closed {
		return errs.Internalf("batches operator opened after Close")
	}
	return nil
}

func (o *batchesOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	if o.closed {
		return nil, errs.Internalf("batches operator: Next after Close")
	}
	for o.next < len(o.batches) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := o.batches[o.next]
		o.next++
		if b.NumRows() == 0 {
			continue
		}
		out, err := conformBatch(o.schema, b, fmt.Sprintf("batch %d", o.next-1))
		if err != nil {
			return nil, err
		}
		o.cur = out
		return out, nil
	}
	return nil, nil
}

func (o *batchesOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	releaseBatches(o.batches)
	o.batches = nil
	return nil
}
