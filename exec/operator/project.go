package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// projectOp evaluates one expression per output column.
type projectOp struct {
	input  Operator
	exprs  []expr.Expr
	schema *arrow.Schema
	mem    memory.Allocator
	cur    arrow.RecordBatch
	closed bool
}

// NewProject returns an operator that evaluates exprs (bound to input's
// schema) over every input batch into a batch with the given schema: one
// field per expression, of the expression's type. Bare column references are
// passed through without copying. With no exprs the output has no columns
// but keeps the input's row counts (COUNT(*)-style plans).
func NewProject(input Operator, exprs []expr.Expr, schema *arrow.Schema, mem memory.Allocator) Operator {
	return &projectOp{input: input, exprs: exprs, schema: schema, mem: mem}
}

func (o *projectOp) Schema() *arrow.Schema { return o.schema }
func (o *projectOp) Children() []Operator  { return []Operator{o.input} }

func (o *projectOp) Open(ctx context.Context) error {
	if o.schema == nil || o.schema.NumFields() != len(o.exprs) {
		n := -1
		if o.schema != nil {
			n = o.schema.NumFields()
		}
		return errs.Internalf("project has %d expressions but its schema has %d fields", len(o.exprs), n)
	}
	for i, e := range o.exprs {
		if t := e.Type(); t != nil && !arrow.TypeEqual(t, o.schema.Field(i).Type) {
			return errs.Internalf("project expression %s has type %s but output field %s is %s", e, t, o.schema.Field(i).Name, o.schema.Field(i).Type)
		}
	}
	return o.input.Open(ctx)
}

func (o *projectOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	b, err := o.input.Next(ctx)
	if err != nil || b == nil {
		return nil, err
	}
	cols := make([]arrow.Array, len(o.exprs))
	defer releaseArrays(cols)
	for i, e := range o.exprs {
		a, err := evalExpr(ctx, e, b, o.mem)
		if err != nil {
			return nil, err
		}
		cols[i] = a
	}
	if err := checkOutputTypes("project", o.schema, cols); err != nil {
		return nil, err
	}
	o.cur = array.NewRecordBatch(o.schema, cols, b.NumRows())
	return o.cur, nil
}

func (o *projectOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	return o.input.Close()
}
