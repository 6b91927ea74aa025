package operator

import (
	"context"
	"fmt"
	"math/big"
	"reflect"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/exec/expr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// batchSizes are the sizes every operator test runs at.
var batchSizes = []int{1, 2, 3, 16, 1024}

// row is one row as plain Go values: int64, uint64, float64, string, bool,
// decimal as its string at the column's scale, or nil for NULL.
type row []any

// newMem returns a checked allocator that the test verifies is empty at the
// end.
func newMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// buildBatches cuts rows into batches of size rows with schema.
func buildBatches(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows []row, size int) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for start := 0; start < len(rows); start += size {
		end := min(start+size, len(rows))
		b := array.NewRecordBuilder(mem, schema)
		for _, r := range rows[start:end] {
			for j, f := range b.Fields() {
				appendValue(t, f, r[j])
			}
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

func appendValue(t testing.TB, b array.Builder, v any) {
	t.Helper()
	if v == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.Int64Builder:
		bb.Append(v.(int64))
	case *array.Int32Builder:
		bb.Append(int32(v.(int64)))
	case *array.Uint64Builder:
		bb.Append(v.(uint64))
	case *array.Float64Builder:
		bb.Append(v.(float64))
	case *array.StringBuilder:
		bb.Append(v.(string))
	case *array.BooleanBuilder:
		bb.Append(v.(bool))
	case *array.Date32Builder:
		bb.Append(arrow.Date32(v.(int64)))
	case *array.Decimal128Builder:
		s := bb.Type().(*arrow.Decimal128Type).Scale
		n, err := decimal128.FromString(v.(string), 38, s)
		if err != nil {
			t.Fatal(err)
		}
		bb.Append(n)
	default:
		t.Fatalf("appendValue: unsupported builder %T", b)
	}
}

// valueAt reads a[i] as a plain Go value (see row).
func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch c := a.(type) {
	case *array.Int64:
		return c.Value(i)
	case *array.Int32:
		return int64(c.Value(i))
	case *array.Uint64:
		return c.Value(i)
	case *array.Float64:
		return c.Value(i)
	case *array.String:
		return c.Value(i)
	case *array.Boolean:
		return c.Value(i)
	case *array.Date32:
		return int64(c.Value(i))
	case *array.Decimal128:
		return c.Value(i).ToString(c.DataType().(*arrow.Decimal128Type).Scale)
	}
	return fmt.Sprintf("unsupported %T", a)
}

// rowsOf flattens batches into rows.
func rowsOf(bs []arrow.RecordBatch) []row {
	var out []row
	for _, b := range bs {
		for i := 0; i < int(b.NumRows()); i++ {
			r := make(row, b.NumCols())
			for j := range r {
				r[j] = valueAt(b.Column(j), i)
			}
			out = append(out, r)
		}
	}
	return out
}

// drain runs op to the end and returns its rows, releasing everything.
func drain(t testing.TB, op Operator) []row {
	t.Helper()
	bs, err := Drain(context.Background(), op)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	defer releaseBatches(bs)
	for _, b := range bs {
		if b.NumRows() == 0 {
			t.Errorf("operator emitted an empty batch")
		}
		if !b.Schema().Equal(op.Schema()) {
			t.Errorf("batch schema %s differs from operator schema %s", b.Schema(), op.Schema())
		}
	}
	return rowsOf(bs)
}

// sortRows orders rows by their printed form (for order-insensitive
// comparisons).
func sortRows(rs []row) []row {
	keys := make([]string, len(rs))
	idx := make([]int, len(rs))
	for i, r := range rs {
		keys[i] = fmt.Sprint(r)
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]row, len(rs))
	for i, j := range idx {
		out[i] = rs[j]
	}
	return out
}

func assertRows(t testing.TB, got, want []row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d\n got: %v\nwant: %v", len(got), len(want), head(got), head(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("row %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func head(rs []row) []row {
	if len(rs) > 10 {
		return rs[:10]
	}
	return rs
}

func col(schema *arrow.Schema, name string) *expr.Column {
	idx := schema.FieldIndices(name)
	if len(idx) != 1 {
		panic("no column " + name)
	}
	return &expr.Column{Index: idx[0], Name: name, DataType: schema.Field(idx[0]).Type}
}

// The standard test table: n rows with NULLs sprinkled in every column.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "grp", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "keep", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
}, nil)

func testRows(n int) []row {
	rows := make([]row, n)
	for i := range rows {
		r := row{int64(i), int64(i % 7), fmt.Sprintf("s%d", i%5), float64(i%9) * 1.5, decimalString(int64(i%23)*37 - 200), i%3 == 0, int64(18000 + i%31)}
		if i%11 == 0 {
			r[1] = nil
		}
		if i%13 == 0 {
			r[2] = nil
		}
		if i%10 == 3 {
			r[3] = nil
		}
		if i%19 == 0 {
			r[4] = nil
		}
		if i%17 == 0 {
			r[5] = nil
		}
		if i%29 == 0 {
			r[6] = nil
		}
		rows[i] = r
	}
	return rows
}

// decimalString renders cents as a DECIMAL(.,2) string.
func decimalString(cents int64) string {
	return decimal128.FromI64(cents).ToString(2)
}

// ratString renders a big.Rat rounded half away from zero at scale.
func ratString(r *big.Rat, scale int32) string {
	num := new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	den := r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if rem.Lsh(rem, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	return decimal128.FromBigInt(q).ToString(scale)
}

// source returns a Batches operator over rows cut at size.
func source(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows []row, size int) Operator {
	bs := buildBatches(t, mem, schema, rows, size)
	defer releaseBatches(bs)
	return NewBatches(schema, bs)
}
