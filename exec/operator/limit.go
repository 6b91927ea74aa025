package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
)

// limitOp skips offset rows then emits at most count rows.
type limitOp struct {
	input         Operator
	offset, count int64
	skipped       int64
	emitted       int64
	done          bool
	inputClosed   bool
	cur           arrow.RecordBatch
	closed        bool
}

// NewLimit returns an operator that skips the first offset rows of input
// and then emits at most count of them (count -1, or any negative: no
// limit). Batches are sliced without copying. Once count rows have been
// emitted it stops pulling and closes its input early, which stops the scans
// below it. With count 0 it neither opens nor reads its input.
func NewLimit(input Operator, offset, count int64) Operator {
	if offset < 0 {
		offset = 0
	}
	return &limitOp{input: input, offset: offset, count: count}
}

func (o *limitOp) Schema() *arrow.Schema { return o.input.Schema() }
func (o *limitOp) Children() []Operator  { return []Operator{o.input} }

func (o *limitOp) Open(ctx context.Context) error {
	if o.count == 0 {
		o.done = true
		return nil
	}
	return o.input.Open(ctx)
}

func (o *limitOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	for !o.done {
		b, err := o.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			o.finish()
			return nil, nil
		}
		n := b.NumRows()
		start := int64(0)
		if o.skipped < o.offset {
			skip := min(o.offset-o.skipped, n)
			o.skipped += skip
			start = skip
		}
		end := n
		if o.count >= 0 {
			end = min(n, start+o.count-o.emitted)
		}
		if start >= end {
			continue
		}
		o.emitted += end - start
		if o.count >= 0 && o.emitted >= o.count {
			o.done = true
		}
		var out arrow.RecordBatch
		if start == 0 && end == n {
			b.Retain()
			out = b
		} else {
			out = b.NewSlice(start, end)
		}
		if o.done {
			// Satisfied: stop the input now. out holds its own references,
			// so it outlives the input's batch.
			o.finish()
		}
		o.cur = out
		return out, nil
	}
	return nil, nil
}

// finish marks the limit satisfied and closes the input.
func (o *limitOp) finish() {
	o.done = true
	if !o.inputClosed {
		o.inputClosed = true
		// An error closing a finished input does not change the result.
		_ = o.input.Close()
	}
}

func (o *limitOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	if o.inputClosed {
		return nil
	}
	o.inputClosed = true
	return o.input.Close()
}
