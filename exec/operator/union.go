package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
)

// unionOp streams its inputs one after another (UNION ALL).
type unionOp struct {
	inputs []Operator
	schema *arrow.Schema
	cur    int
	out    arrow.RecordBatch
	opened []bool
	closed bool
}

// NewUnion returns an operator that emits every batch of inputs[0], then of
// inputs[1], and so on (UNION ALL), each re-labelled with schema. Every input
// must produce schema's column types (names and nullability may differ). An
// input is opened when the union reaches it and closed as soon as it is
// exhausted, so only one input holds resources at a time. The union owns its
// inputs.
func NewUnion(inputs []Operator, schema *arrow.Schema) Operator {
	return &unionOp{inputs: inputs, schema: schema, opened: make([]bool, len(inputs))}
}

func (o *unionOp) Schema() *arrow.Schema { return o.schema }
func (o *unionOp) Children() []Operator  { return o.inputs }

func (o *unionOp) Open(ctx context.Context) error {
	for i, in := range o.inputs {
		if !schemaTypesMatch(o.schema, in.Schema()) {
			return errs.Internalf("union input %d has schema %s, the union declares %s", i+1, fieldsString(in.Schema()), fieldsString(o.schema))
		}
	}
	return nil
}

func (o *unionOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.out)
	for o.cur < len(o.inputs) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in := o.inputs[o.cur]
		if !o.opened[o.cur] {
			o.opened[o.cur] = true
			if err := in.Open(ctx); err != nil {
				return nil, err
			}
		}
		b, err := in.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			// Exhausted: free its resources now, not at the end.
			if err := in.Close(); err != nil {
				return nil, err
			}
			o.cur++
			continue
		}
		if b.NumRows() == 0 {
			continue
		}
		out, err := conformBatch(o.schema, b, "union input")
		if err != nil {
			return nil, err
		}
		o.out = out
		return out, nil
	}
	return nil, nil
}

func (o *unionOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.out)
	var first error
	for _, in := range o.inputs {
		if err := in.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
