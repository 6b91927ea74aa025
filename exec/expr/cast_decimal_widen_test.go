package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Widening a DECIMAL's precision at the same scale shares the buffers and
// keeps every value, NULL and the slice offset.
func TestCastDecimalWidenSameScale(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	from := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	b := array.NewDecimal128Builder(mem, from)
	for _, v := range []int64{100, -250, 0, 99999} {
		b.Append(decimal128.FromI64(v))
	}
	b.AppendNull()
	b.Append(decimal128.FromI64(7))
	whole := b.NewArray()
	b.Release()
	defer whole.Release()
	src := array.NewSlice(whole, 1, 6) // -2.50, 0.00, 999.99, NULL, 0.07
	defer src.Release()
	to := &arrow.Decimal128Type{Precision: 17, Scale: 2}
	got, err := castToDecimal(mem, src, to)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if !arrow.TypeEqual(got.DataType(), to) || got.Len() != 5 || got.NullN() != 1 {
		t.Fatalf("got %s len %d nulls %d", got.DataType(), got.Len(), got.NullN())
	}
	want := []string{"-2.5", "0", "999.99", "(null)", "0.07"}
	for i, w := range want {
		if g := got.ValueStr(i); g != w {
			t.Errorf("row %d = %s, want %s", i, g, w)
		}
	}
}
