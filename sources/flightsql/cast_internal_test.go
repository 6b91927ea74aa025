package flightsql

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/sources/internal/sqlpush"
)

// A pushed aggregate's numeric results arrive in the remote's types (a
// wider DECIMAL for SUM, a 32-bit COUNT); adapt casts them exactly to the
// engine's, fails on a value that does not fit, and never casts the
// columns of a plain scan. (TestMain is the external test package's.)
func TestAdaptCastsPushedNumbers(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	want := arrow.NewSchema([]arrow.Field{
		{Name: "sum(x)", Type: &arrow.Decimal128Type{Precision: 38, Scale: 0}, Nullable: true},
		{Name: "count(*)", Type: arrow.PrimitiveTypes.Int64},
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	sent := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: &arrow.Decimal128Type{Precision: 20, Scale: 0}, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Int32},
		{Name: "c", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sent)
	defer b.Release()
	b.Field(0).(*array.Decimal128Builder).AppendValues([]decimal128.Num{decimal128.FromI64(-12345678901234), decimal128.FromI64(7)}, []bool{true, false})
	b.Field(1).(*array.Int32Builder).AppendValues([]int32{3, 2147483647}, nil)
	b.Field(2).(*array.StringBuilder).AppendValues([]string{"a", "b"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()

	tbl := &Table{src: &source{name: "s"}, name: "t"}
	p := &partition{t: tbl, schema: want, spec: &sqlpush.Spec{}}
	out, err := p.adapt(rec, mem)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Schema().Equal(want) {
		t.Fatalf("schema %s", out.Schema())
	}
	if got := out.Column(0).ValueStr(0) + " " + out.Column(0).ValueStr(1) + " " + out.Column(1).ValueStr(1) + " " + out.Column(2).ValueStr(1); got != "-12345678901234 (null) 2147483647 b" {
		t.Fatalf("values %s", got)
	}
	out.Release()

	// A value that does not fit the engine's type is an error.
	narrow := arrow.NewSchema([]arrow.Field{
		{Name: "sum(x)", Type: &arrow.Decimal128Type{Precision: 5, Scale: 0}, Nullable: true},
		want.Field(1), want.Field(2),
	}, nil)
	if _, err := (&partition{t: tbl, schema: narrow, spec: &sqlpush.Spec{}}).adapt(rec, mem); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("overflowing cast: %v", err)
	}
	// Strings are never cast, nor are a plain scan's columns.
	strs := arrow.NewSchema([]arrow.Field{want.Field(0), want.Field(1), {Name: "k", Type: arrow.BinaryTypes.Binary}}, nil)
	if _, err := (&partition{t: tbl, schema: strs, spec: &sqlpush.Spec{}}).adapt(rec, mem); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("string to binary: %v", err)
	}
	if _, err := (&partition{t: tbl, schema: want}).adapt(rec, mem); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("plain scan with other types: %v", err)
	}
}
