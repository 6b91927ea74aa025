package server

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// Older clients (JDBC ≤ 19, flightsql-dbapi) cannot read the view layouts
// (CLIENTS.md item 9). Unless the session sets allow_view_types, result
// columns of type Utf8View, BinaryView and Decimal256 are announced and
// sent as plain Utf8, Binary and Decimal128; the batches are cast on the
// way out. Nested view types (list views) have no cast kernel in arrow-go
// and are sent as they are; the engine does not produce them.

// wireType is the type a result column of type t is sent as.
func wireType(t arrow.DataType) arrow.DataType {
	switch t.ID() {
	case arrow.STRING_VIEW:
		return arrow.BinaryTypes.String
	case arrow.BINARY_VIEW:
		return arrow.BinaryTypes.Binary
	case arrow.DECIMAL256:
		// Decimal256 is rare in clients (JDBC ≤ 17 and most ODBC bridges
		// lack it). Precision above 38 is capped: a value that does not fit
		// fails the (safe) cast with an error rather than being truncated.
		d := t.(*arrow.Decimal256Type)
		return &arrow.Decimal128Type{Precision: min(d.Precision, 38), Scale: min(d.Scale, min(d.Precision, 38))}
	}
	return t
}

// wireSchema is schema with every column at its wire type (schema itself
// when nothing changes).
func wireSchema(schema *arrow.Schema) *arrow.Schema {
	var fields []arrow.Field
	for i, f := range schema.Fields() {
		wt := wireType(f.Type)
		if wt == f.Type {
			continue
		}
		if fields == nil {
			fields = append([]arrow.Field(nil), schema.Fields()...)
		}
		fields[i].Type = wt
	}
	if fields == nil {
		return schema
	}
	md := schema.Metadata()
	return arrow.NewSchema(fields, &md)
}

// castPlan returns, per column, the type to cast the engine's column to
// (nil = send as is). Any other difference between what was announced and
// what the engine produces is an engine bug (ErrInternal).
func castPlan(announced, got *arrow.Schema) ([]arrow.DataType, bool, error) {
	if announced.NumFields() != got.NumFields() {
		return nil, false, errs.Internalf("result has %d columns, %d were announced", got.NumFields(), announced.NumFields())
	}
	plan := make([]arrow.DataType, announced.NumFields())
	casts := false
	for i := range announced.NumFields() {
		a, g := announced.Field(i), got.Field(i)
		if arrow.TypeEqual(a.Type, g.Type) {
			continue
		}
		if arrow.TypeEqual(wireType(g.Type), a.Type) {
			plan[i], casts = a.Type, true
			continue
		}
		return nil, false, errs.Internalf("result column %d (%s) is %s, %s was announced", i, a.Name, g.Type, a.Type)
	}
	return plan, casts, nil
}

// castColumns returns rec's columns cast per plan. The caller releases
// every returned array.
func castColumns(ctx context.Context, mem memory.Allocator, rec arrow.RecordBatch, plan []arrow.DataType) ([]arrow.Array, error) {
	cols := make([]arrow.Array, rec.NumCols())
	ctx = compute.WithAllocator(ctx, mem)
	for i, c := range rec.Columns() {
		if plan[i] == nil {
			c.Retain()
			cols[i] = c
			continue
		}
		out, err := compute.CastArray(ctx, c, compute.SafeCastOptions(plan[i]))
		if err != nil {
			for _, done := range cols[:i] {
				done.Release()
			}
			return nil, errs.Wrap(errs.ErrInternal, err, "converting result column %d to %s", i, plan[i])
		}
		cols[i] = out
	}
	return cols, nil
}
