package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// hashAggOp is a blocking hash aggregation.
type hashAggOp struct {
	input   Operator
	groupBy []expr.Expr
	aggs    []expr.AggregateCall
	schema  *arrow.Schema
	mem     memory.Allocator
	res     reservation

	done        bool
	inputClosed bool
	out         []arrow.RecordBatch
	next        int
	cur         arrow.RecordBatch
	closed      bool
}

// NewHashAggregate returns an operator computing aggs per distinct
// combination of groupBy values (all bound to input's schema). Output
// columns are the group keys, then the aggregates, with the given schema
// (nil: derived from the expressions), in batches of at most 8192 rows in
// no particular order. Without groupBy it emits exactly one row, even for
// empty input.
//
// Semantics follow MySQL: COUNT(*) counts rows, COUNT(x) non-NULL values,
// COUNT(DISTINCT x) distinct non-NULL values; SUM/AVG/MIN/MAX skip NULLs and
// are NULL for a group without values. SUM of integers is exact (128-bit);
// AVG of integers and decimals rounds half away from zero to the result
// scale. Each result has exactly its AggregateCall.DataType (DECIMAL(38,0)
// for SUM of integers, DECIMAL(38,s+4) for AVG of DECIMAL(p,s), DOUBLE for
// floats...). NULL group keys form one group. String keys compare bytewise
// (collations are later work).
//
// The groups' state is accounted in budget (nil: unlimited), approximately
// (key bytes plus per-group overheads); exceeding it fails with
// errs.ErrResourceExhausted.
func NewHashAggregate(input Operator, groupBy []expr.Expr, aggs []expr.AggregateCall, schema *arrow.Schema, mem memory.Allocator, budget *Budget) Operator {
	return &hashAggOp{
		input: input, groupBy: groupBy, aggs: aggs, schema: schema, mem: mem,
		res: reservation{budget: budget, op: "hash aggregate"},
	}
}

func (o *hashAggOp) Schema() *arrow.Schema {
	if o.schema == nil {
		o.schema = o.deriveSchema()
	}
	return o.schema
}

// deriveSchema names key columns by their expression text and aggregates
// by their call text.
func (o *hashAggOp) deriveSchema() *arrow.Schema {
	fields := make([]arrow.Field, 0, len(o.groupBy)+len(o.aggs))
	for _, g := range o.groupBy {
		fields = append(fields, arrow.Field{Name: g.String(), Type: g.Type(), Nullable: true})
	}
	for _, a := range o.aggs {
		t := a.DataType
		if t == nil {
			var argT arrow.DataType
			if a.Arg != nil {
				argT = a.Arg.Type()
			}
			t = defaultAggType(a.Func, argT)
		}
		fields = append(fields, arrow.Field{Name: a.String(), Type: t, Nullable: a.Func != expr.AggCount})
	}
	return arrow.NewSchema(fields, nil)
}

func (o *hashAggOp) Children() []Operator { return []Operator{o.input} }

func (o *hashAggOp) Open(ctx context.Context) error {
	s := o.Schema()
	if s.NumFields() != len(o.groupBy)+len(o.aggs) {
		return errs.Internalf("hash aggregate has %d keys and %d aggregates but its schema has %d fields", len(o.groupBy), len(o.aggs), s.NumFields())
	}
	return o.input.Open(ctx)
}

func (o *hashAggOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	if o.closed {
		return nil, errs.Internalf("hash aggregate: Next after Close")
	}
	if !o.done {
		if err := o.aggregate(ctx); err != nil {
			return nil, err
		}
		o.done = true
	}
	o.cur = popBatch(o.out, &o.next)
	return o.cur, nil
}

// aggregate consumes the input and builds the output batches.
func (o *hashAggOp) aggregate(ctx context.Context) error {
	keyTypes := make([]arrow.DataType, len(o.groupBy))
	stores := make([]keyStore, len(o.groupBy))
	for i, g := range o.groupBy {
		keyTypes[i] = o.schema.Field(i).Type
		if t := g.Type(); t != nil && !arrow.TypeEqual(t, keyTypes[i]) {
			return errs.Internalf("group key %s has type %s but output field %s is %s", g, t, o.schema.Field(i).Name, keyTypes[i])
		}
		s, err := newKeyStore(keyTypes[i])
		if err != nil {
			return err
		}
		stores[i] = s
	}
	grp, err := newGrouper(keyTypes)
	if err != nil {
		return err
	}
	accs := make([]accumulator, len(o.aggs))
	for i, a := range o.aggs {
		var argT arrow.DataType
		if a.Arg != nil {
			argT = a.Arg.Type()
		}
		acc, err := newAccumulator(a, argT)
		if err != nil {
			return err
		}
		accs[i] = acc
	}
	defer releaseAccumulators(accs)
	cctx := compute.WithAllocator(ctx, o.mem)
	keys := make([]arrow.Array, len(o.groupBy))
	args := make([]arrow.Array, len(o.aggs))
	defer releaseArrays(keys)
	defer releaseArrays(args)
	extra := newExtraArgs(o.aggs)
	defer extra.release()
	for {
		b, err := o.input.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		n := int(b.NumRows())
		if n == 0 {
			continue
		}
		releaseArrays(keys)
		releaseArrays(args)
		clear(keys)
		clear(args)
		for i, g := range o.groupBy {
			if keys[i], err = evalExpr(ctx, g, b, o.mem); err != nil {
				return err
			}
			if !arrow.TypeEqual(keys[i].DataType(), keyTypes[i]) {
				return errs.Internalf("group key %s evaluated to %s, want %s", g, keys[i].DataType(), keyTypes[i])
			}
		}
		for i, a := range o.aggs {
			if a.Arg == nil {
				continue
			}
			if args[i], err = evalExpr(ctx, a.Arg, b, o.mem); err != nil {
				return err
			}
			if t := a.Arg.Type(); t != nil && !arrow.TypeEqual(args[i].DataType(), t) {
				return errs.Internalf("argument of %s evaluated to %s, want %s", a, args[i].DataType(), t)
			}
		}
		if err := extra.eval(ctx, b, args, o.mem); err != nil {
			return err
		}
		ids, newRows, err := grp.assign(keys, n)
		if err != nil {
			return err
		}
		for i, s := range stores {
			s.appendRows(keys[i], newRows)
		}
		ng := grp.groups()
		for i, acc := range accs {
			acc.resize(ng)
			if err := extra.update(cctx, i, acc, ids, args[i]); err != nil {
				return err
			}
		}
		if err := o.account(grp, stores, accs); err != nil {
			return err
		}
	}
	o.inputClosed = true
	if err := o.input.Close(); err != nil {
		return err
	}
	ng := grp.groups()
	if ng == 0 {
		return nil
	}
	cols := make([]arrow.Array, 0, len(stores)+len(accs))
	defer func() { releaseArrays(cols) }()
	for i, s := range stores {
		c, err := s.build(o.mem, keyTypes[i])
		if err != nil {
			return err
		}
		cols = append(cols, c)
	}
	for i, acc := range accs {
		acc.resize(ng)
		want := o.schema.Field(len(stores) + i).Type
		if dt := o.aggs[i].DataType; dt != nil && !arrow.TypeEqual(dt, want) {
			return errs.Internalf("aggregate %s has type %s but output field %s is %s", o.aggs[i], dt, o.schema.Field(len(stores)+i).Name, want)
		}
		c, err := acc.finish(o.mem, want)
		if err != nil {
			return err
		}
		cols = append(cols, c)
	}
	if err := checkOutputTypes("hash aggregate", o.schema, cols); err != nil {
		return err
	}
	o.out = sliceBatches(o.schema, cols, ng)
	return nil
}

// account brings the budget reservation up to the state's current size.
func (o *hashAggOp) account(grp grouper, stores []keyStore, accs []accumulator) error {
	total := grp.size()
	for _, s := range stores {
		total += s.size()
	}
	for _, a := range accs {
		total += a.size()
	}
	return o.res.grow(total - o.res.held)
}

func (o *hashAggOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	releaseBatches(o.out)
	o.out = nil
	o.res.releaseAll()
	if o.inputClosed {
		return nil
	}
	o.inputClosed = true
	return o.input.Close()
}
