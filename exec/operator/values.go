package operator

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

// valuesOp emits rows of constant expressions.
type valuesOp struct {
	schema  *arrow.Schema
	rows    [][]expr.Expr
	mem     memory.Allocator
	batches []arrow.RecordBatch
	next    int
	cur     arrow.RecordBatch
	closed  bool
}

// NewValues returns an operator emitting rows (VALUES lists, SELECT without
// FROM). Every row has one expression per schema field; expressions read no
// columns. Literals are appended straight to typed builders; other
// expressions are evaluated with expr.Eval over a one-row batch. The result
// is computed in Open, in batches of at most 8192 rows.
func NewValues(schema *arrow.Schema, rows [][]expr.Expr, mem memory.Allocator) Operator {
	return &valuesOp{schema: schema, rows: rows, mem: mem}
}

func (o *valuesOp) Schema() *arrow.Schema { return o.schema }
func (o *valuesOp) Children() []Operator  { return nil }

func (o *valuesOp) Open(ctx context.Context) error {
	if o.closed {
		return errs.Internalf("values operator opened after Close")
	}
	nf := o.schema.NumFields()
	for i, r := range o.rows {
		if len(r) != nf {
			return errs.Invalidf("VALUES row %d has %d values but %d columns are expected", i+1, len(r), nf)
		}
	}
	cols := make([]arrow.Array, nf)
	defer releaseArrays(cols)
	for j := 0; j < nf; j++ {
		c, err := o.column(ctx, j)
		if err != nil {
			return err
		}
		cols[j] = c
	}
	o.batches = sliceBatches(o.schema, cols, len(o.rows))
	return nil
}

// column builds output column j.
func (o *valuesOp) column(ctx context.Context, j int) (arrow.Array, error) {
	f := o.schema.Field(j)
	allLit := true
	for _, r := range o.rows {
		if _, ok := r[j].(*expr.Literal); !ok {
			allLit = false
			break
		}
	}
	if allLit {
		b := array.NewBuilder(o.mem, f.Type)
		defer b.Release()
		b.Reserve(len(o.rows))
		for i, r := range o.rows {
			if err := appendLiteral(b, r[j].(*expr.Literal)); err != nil {
				return nil, errs.Wrap(errs.ErrInvalid, err, "VALUES row %d column %s", i+1, f.Name)
			}
		}
		return b.NewArray(), nil
	}
	// Mixed: one array per cell, then concatenate.
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	cells := make([]arrow.Array, len(o.rows))
	defer releaseArrays(cells)
	for i, r := range o.rows {
		if l, ok := r[j].(*expr.Literal); ok {
			b := array.NewBuilder(o.mem, f.Type)
			err := appendLiteral(b, l)
			if err == nil {
				cells[i] = b.NewArray()
			}
			b.Release()
			if err != nil {
				return nil, errs.Wrap(errs.ErrInvalid, err, "VALUES row %d column %s", i+1, f.Name)
			}
			continue
		}
		a, err := expr.Eval(ctx, r[j], one, o.mem)
		if err != nil {
			return nil, err
		}
		cells[i] = a
		if a.Len() != 1 || !arrow.TypeEqual(a.DataType(), f.Type) {
			return nil, errs.Internalf("VALUES row %d column %s: %s evaluated to %d values of %s, want one %s", i+1, f.Name, r[j], a.Len(), a.DataType(), f.Type)
		}
	}
	if len(cells) == 0 {
		b := array.NewBuilder(o.mem, f.Type)
		defer b.Release()
		return b.NewArray(), nil
	}
	out, err := array.Concatenate(cells, o.mem)
	if err != nil {
		return nil, errs.Wrap(errs.ErrInternal, err, "VALUES column %s", f.Name)
	}
	return out, nil
}

func (o *valuesOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	releaseBatch(&o.cur)
	o.cur = popBatch(o.batches, &o.next)
	return o.cur, nil
}

func (o *valuesOp) Close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	releaseBatch(&o.cur)
	releaseBatches(o.batches)
	o.batches = nil
	return nil
}

// appendLiteral appends l's value to b (whose type is the target column's),
// converting between Go representations where no information is lost
// (int64 into any integer column that holds it, integers into floats, ...).
// A value that does not fit is an error naming both types.
func appendLiteral(b array.Builder, l *expr.Literal) error {
	v := l.Value
	if v == nil {
		b.AppendNull()
		return nil
	}
	bad := func() error {
		return errs.Invalidf("cannot store %v (%T, %v) in a %s column", v, v, l.DataType, b.Type())
	}
	switch t := b.(type) {
	case *array.BooleanBuilder:
		x, ok := v.(bool)
		if !ok {
			return bad()
		}
		t.Append(x)
	case *array.Int8Builder:
		x, ok := asInt(v, math.MinInt8, math.MaxInt8)
		if !ok {
			return bad()
		}
		t.Append(int8(x))
	case *array.Int16Builder:
		x, ok := asInt(v, math.MinInt16, math.MaxInt16)
		if !ok {
			return bad()
		}
		t.Append(int16(x))
	case *array.Int32Builder:
		x, ok := asInt(v, math.MinInt32, math.MaxInt32)
		if !ok {
			return bad()
		}
		t.Append(int32(x))
	case *array.Int64Builder:
		x, ok := asInt(v, math.MinInt64, math.MaxInt64)
		if !ok {
			return bad()
		}
		t.Append(x)
	case *array.Uint8Builder:
		x, ok := asUint(v, math.MaxUint8)
		if !ok {
			return bad()
		}
		t.Append(uint8(x))
	case *array.Uint16Builder:
		x, ok := asUint(v, math.MaxUint16)
		if !ok {
			return bad()
		}
		t.Append(uint16(x))
	case *array.Uint32Builder:
		x, ok := asUint(v, math.MaxUint32)
		if !ok {
			return bad()
		}
		t.Append(uint32(x))
	case *array.Uint64Builder:
		x, ok := asUint(v, math.MaxUint64)
		if !ok {
			return bad()
		}
		t.Append(x)
	case *array.Float32Builder:
		x, ok := asFloat(v)
		if !ok {
			return bad()
		}
		t.Append(float32(x))
	case *array.Float64Builder:
		x, ok := asFloat(v)
		if !ok {
			return bad()
		}
		t.Append(x)
	case *array.StringBuilder:
		switch x := v.(type) {
		case string:
			t.Append(x)
		case []byte:
			t.BinaryBuilder.Append(x)
		default:
			return bad()
		}
	case *array.LargeStringBuilder:
		switch x := v.(type) {
		case string:
			t.Append(x)
		case []byte:
			t.BinaryBuilder.Append(x)
		default:
			return bad()
		}
	case *array.BinaryBuilder:
		switch x := v.(type) {
		case string:
			t.AppendString(x)
		case []byte:
			t.Append(x)
		default:
			return bad()
		}
	case *array.Decimal128Builder:
		want := t.Type().(*arrow.Decimal128Type)
		var n decimal128.Num
		var scale int32
		switch x := v.(type) {
		case decimal128.Num:
			n = x
			if d, ok := l.DataType.(*arrow.Decimal128Type); ok {
				scale = d.Scale
			} else {
				return bad()
			}
		case int64:
			n = decimal128.FromI64(x)
		case uint64:
			n = decimal128.FromU64(x)
		default:
			return bad()
		}
		if scale != want.Scale {
			r, err := n.Rescale(scale, want.Scale)
			if err != nil {
				return errs.Invalidf("%s does not fit %s without losing digits", n.ToString(scale), want)
			}
			n = r
		}
		if !n.FitsInPrecision(want.Precision) {
			return errs.Invalidf("%s is out of range for %s", n.ToString(want.Scale), want)
		}
		t.Append(n)
	case *array.Date32Builder:
		x, ok := v.(arrow.Date32)
		if !ok {
			return bad()
		}
		t.Append(x)
	case *array.TimestampBuilder:
		x, ok := v.(arrow.Timestamp)
		if !ok || !arrow.TypeEqual(l.DataType, t.Type()) {
			return bad()
		}
		t.Append(x)
	case *array.Time64Builder:
		x, ok := v.(arrow.Time64)
		if !ok || !arrow.TypeEqual(l.DataType, t.Type()) {
			return bad()
		}
		t.Append(x)
	case *array.NullBuilder:
		return bad()
	default:
		return errs.NotImplementedf("VALUES of type %s", b.Type())
	}
	return nil
}

func asInt(v any, lo, hi int64) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, x >= lo && x <= hi
	case uint64:
		return int64(x), x <= uint64(hi)
	}
	return 0, false
}

func asUint(v any, hi uint64) (uint64, bool) {
	switch x := v.(type) {
	case uint64:
		return x, x <= hi
	case int64:
		return uint64(x), x >= 0 && uint64(x) <= hi
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}
