package operator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestGatherArrayMatchesTake checks gatherArray against compute.Take (with
// NULL indices for -1) for every type it handles, over sliced inputs with
// NULLs, at the operator batch sizes.
func TestGatherArrayMatchesTake(t *testing.T) {
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	var rows []row
	for _, r := range testRows(300) {
		rows = append(rows, row{r[0], r[2], r[3], r[4], r[5], r[6]})
	}
	batches := buildBatches(t, mem, schema, rows, 300)
	whole := batches[0]
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			for c := 0; c < int(whole.NumCols()); c++ {
				src := array.NewSlice(whole.Column(c), 7, 290) // non-zero offset
				idx := make([]int32, size)
				valid := make([]bool, size)
				for i := range idx {
					idx[i] = int32(rng.IntN(src.Len()))
					if i%5 == 4 {
						idx[i] = -1
					}
					valid[i] = idx[i] >= 0
				}
				got, ok := gatherArray(mem, src, idx)
				if !ok {
					t.Fatalf("gatherArray refused %s", src.DataType())
				}
				indices := buildFixed(mem, arrow.PrimitiveTypes.Int32, idx, valid)
				want, err := compute.TakeArrayOpts(compute.WithAllocator(context.Background(), mem), src, indices, compute.TakeOptions{BoundsCheck: true})
				if err != nil {
					t.Fatal(err)
				}
				if !array.Equal(got, want) {
					t.Fatalf("%s: gather %v, take %v", src.DataType(), got, want)
				}
				for _, a := range []arrow.Array{src, got, want, indices} {
					a.Release()
				}
			}
		})
	}
	releaseBatches(batches)
	mem.AssertSize(t, 0)
}

// BenchmarkGatherDecimal gathers 16,384 DECIMAL(15,2) values with
// gatherArray and with compute.Take.
func BenchmarkGatherDecimal(b *testing.B) {
	mem := memory.NewGoAllocator()
	const n = 1 << 14
	bld := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 15, Scale: 2})
	idx := make([]int32, n)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range n {
		bld.Append(decimal128.FromI64(int64(i)))
		idx[i] = int32(rng.IntN(n))
	}
	src := bld.NewArray()
	bld.Release()
	defer src.Release()
	b.Run("gather", func(b *testing.B) {
		for range b.N {
			a, _ := gatherArray(mem, src, idx)
			a.Release()
		}
	})
	b.Run("take", func(b *testing.B) {
		indices := buildFixed(mem, arrow.PrimitiveTypes.Int32, idx, nil)
		defer indices.Release()
		ctx := compute.WithAllocator(context.Background(), mem)
		for range b.N {
			a, err := compute.TakeArrayOpts(ctx, src, indices, compute.TakeOptions{BoundsCheck: false})
			if err != nil {
				b.Fatal(err)
			}
			a.Release()
		}
	})
}

// TestGatherRows gathers whole batches: typed columns only, and with a
// BOOL column (the compute.Take fallback); both equal takeRows.
func TestGatherRows(t *testing.T) {
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	var rows []row
	for _, r := range testRows(50) {
		rows = append(rows, row{r[1], r[2], r[5]})
	}
	bs := buildBatches(t, mem, schema, rows, 50)
	b := bs[0]
	idx := []int32{49, 0, 3, 3, 17}
	for _, cols := range [][]int{{0, 1}, {0, 1, 2}} {
		fields := make([]arrow.Field, len(cols))
		arrs := make([]arrow.Array, len(cols))
		for i, c := range cols {
			fields[i], arrs[i] = schema.Field(c), b.Column(c)
		}
		sub := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, b.NumRows())
		got, err := gatherRows(context.Background(), mem, sub, idx)
		if err != nil {
			t.Fatal(err)
		}
		want, err := takeRows(context.Background(), mem, sub, idx)
		if err != nil {
			t.Fatal(err)
		}
		if !array.RecordEqual(got, want) {
			t.Fatalf("columns %v: gatherRows %v, takeRows %v", cols, got, want)
		}
		got.Release()
		want.Release()
		sub.Release()
	}
	releaseBatches(bs)
	mem.AssertSize(t, 0)
}
