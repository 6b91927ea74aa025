package physical

import (
	"context"
	"runtime/debug"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/operator"
)

// countOp runs a side effect on its first Next and emits one
// logical.DMLSchema row with the count it returns. Used by one goroutine at a
// time, like every operator.
type countOp struct {
	mem      memory.Allocator
	run      func(ctx context.Context) (int64, error)
	children []operator.Operator
	closeFn  func() error // closes what run did not take over
	done     bool
	cur      arrow.RecordBatch
	closed   bool
}

func newDDL(mem memory.Allocator, run func(ctx context.Context) (int64, error)) operator.Operator {
	return &countOp{mem: mem, run: run}
}

func (o *countOp) Schema() *arrow.Schema          { return logical.DMLSchema }
func (o *countOp) Children() []operator.Operator  { return o.children }
func (o *countOp) Open(ctx context.Context) error { return ctx.Err() }

func (o *countOp) Next(ctx context.Context) (b arrow.RecordBatch, err error) {
	if o.closed {
		return nil, errs.Internalf("DML operator used after Close")
	}
	if o.done {
		return nil, nil
	}
	o.done = true
	if err := ctx.Err(); err != nil {
		return nil, errs.Wrap(errs.ErrInvalid, err, "statement cancelled")
	}
	n, err := o.runSafely(ctx)
	if err != nil {
		return nil, err
	}
	bld := array.NewInt64Builder(o.mem)
	defer bld.Release()
	bld.Append(n)
	col := bld.NewArray()
	defer col.Release()
	o.cur = array.NewRecordBatch(logical.DMLSchema, []arrow.Array{col}, 1)
	return o.cur, nil
}

func (o *countOp) runSafely(ctx context.Context) (n int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, errs.Internalf("statement panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return o.run(ctx)
}

func (o *countOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	if o.cur != nil {
		o.cur.Release()
		o.cur = nil
	}
	if o.closeFn != nil {
		return o.closeFn()
	}
	return nil
}

// newInsert returns an operator that streams input into n.Target on its
// first Next and reports the rows inserted. It owns input: the reader handed
// to Insert owns it once the insert starts, Close closes it otherwise.
func newInsert(input operator.Operator, n *InsertExec, mem memory.Allocator) operator.Operator {
	var handedOver atomic.Bool
	o := &countOp{mem: mem, children: []operator.Operator{input}}
	o.closeFn = func() error {
		if handedOver.Load() {
			return nil
		}
		return input.Close()
	}
	o.run = func(ctx context.Context) (int64, error) {
		handedOver.Store(true)
		rr := operator.AsRecordReader(ctx, input) // owns input from here
		var reader array.RecordReader = rr
		if t, ok := n.Target.(catalog.Table); ok {
			reader = newRelabel(rr, t.Schema())
		}
		defer reader.Release()
		cnt, err := n.Target.Insert(ctx, reader)
		if err == nil {
			err = reader.Err() // a source error the table did not report
		}
		if err != nil {
			return 0, wrapKind(err, "INSERT INTO %s", n.Name)
		}
		return cnt, nil
	}
	return o
}

// relabel presents rr's batches under the table's schema (same column types;
// the names and nullability of a SELECT's output differ from the table's).
// It owns rr.
type relabel struct {
	refs   atomic.Int64
	rr     array.RecordReader
	schema *arrow.Schema
	cur    arrow.RecordBatch
}

func newRelabel(rr array.RecordReader, schema *arrow.Schema) array.RecordReader {
	if rr.Schema().Equal(schema) || rr.Schema().NumFields() != schema.NumFields() {
		return rr
	}
	r := &relabel{rr: rr, schema: schema}
	r.refs.Store(1)
	return r
}

func (r *relabel) Retain()               { r.refs.Add(1) }
func (r *relabel) Schema() *arrow.Schema { return r.schema }
func (r *relabel) Err() error            { return r.rr.Err() }

func (r *relabel) Release() {
	if r.refs.Add(-1) == 0 {
		r.drop()
		r.rr.Release()
	}
}

func (r *relabel) drop() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *relabel) Next() bool {
	r.drop()
	if !r.rr.Next() {
		return false
	}
	b := r.rr.RecordBatch()
	r.cur = array.NewRecordBatch(r.schema, b.Columns(), b.NumRows())
	return true
}

func (r *relabel) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the deprecated name of RecordBatch.
func (r *relabel) Record() arrow.RecordBatch { return r.cur }
