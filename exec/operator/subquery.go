package operator

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/compute/exec"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// SubqueryMode is what NewSubqueryJoin computes from its subquery.
type SubqueryMode int

// Subquery modes (see exec/logical.SubqueryKind for the SQL semantics).
const (
	// SubqueryScalar appends the subquery's single value (NULL for no
	// rows; more than one row is ErrInvalid).
	SubqueryScalar SubqueryMode = iota
	// SubqueryExists appends TRUE when the subquery has a row, else FALSE.
	SubqueryExists
	// SubqueryIn appends probe IN (subquery column 0), three-valued.
	SubqueryIn
)

// subqueryJoinOp appends one column computed from an uncorrelated subquery
// to every input batch. The subquery runs to completion (and is closed)
// before the first input batch is read.
type subqueryJoinOp struct {
	input, sub Operator
	mode       SubqueryMode
	probe      expr.Expr
	schema     *arrow.Schema
	mem        memory.Allocator
	res        reservation

	ready bool
	// scalar/exists: the value broadcast to the longest batch so far,
	// sliced per batch.
	value     arrow.Array
	broadcast arrow.Array
	// in: the subquery's distinct values and what it held.
	g         grouper
	buildN    int32 // groups created by the subquery's values
	nonEmpty  bool
	buildNull bool
	vals      []bool
	valid     []bool

	out    arrow.RecordBatch
	closed bool
}

// NewSubqueryJoin returns an operator emitting input's batches with one
// more column (schema's last field) computed from sub, an uncorrelated
// subquery run once, at the first Next: its single value (SubqueryScalar),
// whether it has a row (SubqueryExists), or per row whether probe (an
// expression over input, of sub's column type) is IN its first column
// (SubqueryIn; MySQL's NULL rules). For SubqueryIn the subquery's distinct
// values are held in a hash table charged to budget (nil = unlimited); the
// input streams. The operator owns input and sub.
func NewSubqueryJoin(input, sub Operator, mode SubqueryMode, probe expr.Expr, schema *arrow.Schema, mem memory.Allocator, budget *Budget) Operator {
	return &subqueryJoinOp{input: input, sub: sub, mode: mode, probe: probe, schema: schema, mem: mem,
		res: reservation{budget: budget, op: "IN (subquery)"}}
}

func (o *subqueryJoinOp) Schema() *arrow.Schema { return o.schema }
func (o *subqueryJoinOp) Children() []Operator  { return []Operator{o.input, o.sub} }

func (o *subqueryJoinOp) Open(ctx context.Context) error {
	in, sub := o.input.Schema(), o.sub.Schema()
	if o.schema.NumFields() != in.NumFields()+1 {
		return errs.Internalf("subquery join declares %d columns for an input of %d", o.schema.NumFields(), in.NumFields())
	}
	last := o.schema.Field(o.schema.NumFields() - 1).Type
	switch o.mode {
	case SubqueryScalar:
		if sub.NumFields() != 1 || !arrow.TypeEqual(sub.Field(0).Type, last) {
			return errs.Internalf("scalar subquery produces %s, its column is declared %s", fieldsString(sub), last)
		}
	case SubqueryIn:
		if sub.NumFields() != 1 || o.probe == nil || !arrow.TypeEqual(sub.Field(0).Type, o.probe.Type()) {
			return errs.Internalf("IN subquery produces %s for a probe of type %v", fieldsString(sub), o.probe)
		}
		fallthrough
	case SubqueryExists:
		if last.ID() != arrow.BOOL {
			return errs.Internalf("subquery join column is declared %s, want BOOL", last)
		}
	default:
		return errs.Internalf("unknown subquery mode %d", o.mode)
	}
	if err := o.sub.Open(ctx); err != nil {
		return err
	}
	return o.input.Open(ctx)
}

// run executes the subquery.
func (o *subqueryJoinOp) run(ctx context.Context) error {
	o.ready = true
	defer o.sub.Close()
	switch o.mode {
	case SubqueryIn:
		g, err := newGrouper([]arrow.DataType{keyType(o.sub.Schema().Field(0).Type)})
		if err != nil {
			return err
		}
		o.g = g
	}
	var rows int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := o.sub.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		n := b.NumRows()
		if n == 0 {
			continue
		}
		rows += n
		switch o.mode {
		case SubqueryScalar:
			if rows > 1 {
				return errs.Invalidf("Subquery returns more than 1 row")
			}
			o.value = array.NewSlice(b.Column(0), 0, 1)
		case SubqueryExists:
			// One row decides it; the rest of the subquery need not run.
			return o.setExists(true)
		case SubqueryIn:
			col := b.Column(0)
			if col.NullN() > 0 {
				o.buildNull = true
			}
			keys := comparisonKeys(o.mem, []arrow.Array{col})
			before := o.g.size()
			_, _, err := o.g.assign(keys, int(n))
			releaseArrays(keys)
			if err != nil {
				return err
			}
			if err := o.res.grow(o.g.size() - before); err != nil {
				return err
			}
		}
	}
	switch o.mode {
	case SubqueryScalar:
		if o.value == nil {
			o.value = array.MakeArrayOfNull(o.mem, o.sub.Schema().Field(0).Type, 1)
		}
	case SubqueryExists:
		return o.setExists(false)
	case SubqueryIn:
		o.nonEmpty = rows > 0
		o.buildN = int32(o.g.groups())
	}
	return nil
}

func (o *subqueryJoinOp) setExists(v bool) error {
	o.value = buildBool(o.mem, []bool{v}, nil)
	return nil
}

// constantColumn returns the subquery's value repeated n times (the caller
// Releases it).
func (o *subqueryJoinOp) constantColumn(ctx context.Context, n int) (arrow.Array, error) {
	if o.broadcast == nil || o.broadcast.Len() < n {
		if o.broadcast != nil {
			o.broadcast.Release()
			o.broadcast = nil
		}
		idx := make([]int32, n) // all zero: take the single value n times
		ib := array.NewInt32Builder(o.mem)
		ib.AppendValues(idx, nil)
		indices := ib.NewArray()
		ib.Release()
		defer indices.Release()
		out, err := compute.TakeArray(exec.WithAllocator(ctx, o.mem), o.value, indices)
		if err != nil {
			return nil, errs.Wrap(errs.ErrInternal, err, "broadcasting a subquery's value")
		}
		o.broadcast = out
	}
	return array.NewSlice(o.broadcast, 0, int64(n)), nil
}

// membership computes probe IN (subquery) for b's rows.
func (o *subqueryJoinOp) membership(ctx context.Context, b arrow.RecordBatch) (arrow.Array, error) {
	n := int(b.NumRows())
	p, err := evalExpr(ctx, o.probe, b, o.mem)
	if err != nil {
		return nil, err
	}
	defer p.Release()
	if cap(o.vals) < n {
		o.vals, o.valid = make([]bool, n), make([]bool, n)
	}
	vals, valid := o.vals[:n], o.valid[:n]
	if !o.nonEmpty {
		// x IN (empty set) is FALSE, even for a NULL x.
		clear(vals)
		return buildBool(o.mem, vals, nil), nil
	}
	// Probing through the grouper adds the probe's unseen values as groups
	// numbered from buildN on: an id below buildN is a match.
	keys := comparisonKeys(o.mem, []arrow.Array{p})
	defer releaseArrays(keys)
	before := o.g.size()
	ids, _, err := o.g.assign(keys, n)
	if err != nil {
		return nil, err
	}
	if err := o.res.grow(o.g.size() - before); err != nil {
		return nil, err
	}
	pv := validityOf(p)
	for i, id := range ids {
		switch {
		case !pv.valid(i):
			vals[i], valid[i] = false, false // NULL IN (non-empty set)
		case id < o.buildN:
			vals[i], valid[i] = true, true
		default:
			vals[i], valid[i] = false, !o.buildNull // no match: NULL if the set has a NULL
		}
	}
	return buildBool(o.mem, vals, valid), nil
}

func (o *subqueryJoinOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.out)
	if !o.ready {
		if err := o.run(ctx); err != nil {
			return nil, err
		}
	}
	for {
		b, err := o.input.Next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		n := int(b.NumRows())
		if n == 0 {
			continue
		}
		var col arrow.Array
		if o.mode == SubqueryIn {
			col, err = o.membership(ctx, b)
		} else {
			col, err = o.constantColumn(ctx, n)
		}
		if err != nil {
			return nil, err
		}
		cols := make([]arrow.Array, 0, b.NumCols()+1)
		cols = append(cols, b.Columns()...)
		cols = append(cols, col)
		o.out = array.NewRecordBatch(o.schema, cols, int64(n))
		col.Release()
		return o.out, nil
	}
}

func (o *subqueryJoinOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	for _, a := range []arrow.Array{o.value, o.broadcast} {
		if a != nil {
			a.Release()
		}
	}
	o.value, o.broadcast = nil, nil
	releaseBatch(&o.out)
	o.g = nil
	o.res.releaseAll()
	err := o.sub.Close()
	if ierr := o.input.Close(); err == nil {
		err = ierr
	}
	return err
}

// keyType is the type rows are hashed as for a column of type t: strings
// compare under MySQL's default collation, so they hash by collation key
// (BINARY); other types hash as themselves.
func keyType(t arrow.DataType) arrow.DataType {
	if expr.IsCollatedString(t) {
		return arrow.BinaryTypes.Binary
	}
	return t
}

// comparisonKeys returns cols with string columns replaced by their
// collation keys (expr.CollationKeys), so that hashing matches SQL '='.
// The caller Releases every returned array.
func comparisonKeys(mem memory.Allocator, cols []arrow.Array) []arrow.Array {
	out := make([]arrow.Array, len(cols))
	for i, c := range cols {
		out[i] = expr.CollationKeys(mem, c) // retains c when not a string
	}
	return out
}
