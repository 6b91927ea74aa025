package operator

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/expr"
)

var benchSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.PrimitiveTypes.Int64},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// benchBatches builds n rows in 8192-row batches: k = i % groups, v random.
func benchBatches(n, groups int) []arrow.RecordBatch {
	return benchBatchesMem(memory.NewGoAllocator(), n, groups)
}

func benchBatchesMem(mem memory.Allocator, n, groups int) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(1, 2))
	var out []arrow.RecordBatch
	for start := 0; start < n; start += maxBatchRows {
		m := min(maxBatchRows, n-start)
		k := make([]int64, m)
		v := make([]int64, m)
		for i := range k {
			k[i] = int64((start + i) % groups)
			v[i] = rng.Int64N(1_000_000) - 500_000
		}
		ka := buildFixed(mem, arrow.PrimitiveTypes.Int64, k, nil)
		va := buildFixed(mem, arrow.PrimitiveTypes.Int64, v, nil)
		out = append(out, array.NewRecordBatch(benchSchema, []arrow.Array{ka, va}, int64(m)))
		ka.Release()
		va.Release()
	}
	return out
}

func runBench(b *testing.B, rows int, mk func() Operator) {
	b.ReportAllocs()
	b.SetBytes(int64(rows) * 16)
	for b.Loop() {
		n := 0
		op := mk()
		if err := op.Open(context.Background()); err != nil {
			b.Fatal(err)
		}
		for {
			r, err := op.Next(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if r == nil {
				break
			}
			n += int(r.NumRows())
		}
		op.Close()
		if n == 0 {
			b.Fatal("no rows")
		}
	}
}

// BenchmarkFilterProject: SELECT v * 2, k FROM t WHERE v > 0 over 10M rows.
func BenchmarkFilterProject(b *testing.B) {
	const rows = 10_000_000
	bs := benchBatches(rows, 1000)
	defer releaseBatches(bs)
	mem := memory.NewGoAllocator()
	k := &expr.Column{Index: 0, Name: "k", DataType: arrow.PrimitiveTypes.Int64}
	v := &expr.Column{Index: 1, Name: "v", DataType: arrow.PrimitiveTypes.Int64}
	pred := must(expr.NewBinary(expr.OpGt, v, lit(0)))
	dbl := must(expr.NewBinary(expr.OpMul, v, lit(2)))
	out := arrow.NewSchema([]arrow.Field{{Name: "x", Type: dbl.Type()}, {Name: "k", Type: k.DataType}}, nil)
	runBench(b, rows, func() Operator {
		return NewProject(NewFilter(NewBatches(benchSchema, bs), pred, mem), []expr.Expr{dbl, k}, out, mem)
	})
}

// BenchmarkHashAggregate: SELECT k, count(*), sum(v), min(v) GROUP BY k
// with 1000 groups over 10M rows.
func BenchmarkHashAggregate(b *testing.B) {
	const rows = 10_000_000
	bs := benchBatches(rows, 1000)
	defer releaseBatches(bs)
	mem := memory.NewGoAllocator()
	k := &expr.Column{Index: 0, Name: "k", DataType: arrow.PrimitiveTypes.Int64}
	v := &expr.Column{Index: 1, Name: "v", DataType: arrow.PrimitiveTypes.Int64}
	aggs := []expr.AggregateCall{
		{Func: expr.AggCount, DataType: arrow.PrimitiveTypes.Int64},
		{Func: expr.AggSum, Arg: v, DataType: &arrow.Decimal128Type{Precision: 38, Scale: 0}},
		{Func: expr.AggMin, Arg: v, DataType: arrow.PrimitiveTypes.Int64},
	}
	runBench(b, rows, func() Operator {
		return NewHashAggregate(NewBatches(benchSchema, bs), []expr.Expr{k}, aggs, nil, mem, NewBudget(1<<30))
	})
}

// BenchmarkHashAggregateTwoKeys groups by (k, v % 3) through the general
// row-encoding path.
func BenchmarkHashAggregateTwoKeys(b *testing.B) {
	const rows = 1_000_000
	bs := benchBatches(rows, 1000)
	defer releaseBatches(bs)
	mem := memory.NewGoAllocator()
	k := &expr.Column{Index: 0, Name: "k", DataType: arrow.PrimitiveTypes.Int64}
	v := &expr.Column{Index: 1, Name: "v", DataType: arrow.PrimitiveTypes.Int64}
	aggs := []expr.AggregateCall{{Func: expr.AggCount, DataType: arrow.PrimitiveTypes.Int64}}
	runBench(b, rows, func() Operator {
		return NewHashAggregate(NewBatches(benchSchema, bs), []expr.Expr{k, must(expr.NewBinary(expr.OpMod, v, lit(3)))}, aggs, nil, mem, nil)
	})
}

// BenchmarkSort: ORDER BY v over 1M rows.
func BenchmarkSort(b *testing.B) {
	const rows = 1_000_000
	bs := benchBatches(rows, 1000)
	defer releaseBatches(bs)
	mem := memory.NewGoAllocator()
	v := &expr.Column{Index: 1, Name: "v", DataType: arrow.PrimitiveTypes.Int64}
	runBench(b, rows, func() Operator {
		return NewSort(NewBatches(benchSchema, bs), []SortKey{{Expr: v}}, mem, nil)
	})
}

// BenchmarkSortTwoKeys: ORDER BY k DESC, v over 1M rows.
func BenchmarkSortTwoKeys(b *testing.B) {
	const rows = 1_000_000
	bs := benchBatches(rows, 1000)
	defer releaseBatches(bs)
	mem := memory.NewGoAllocator()
	k := &expr.Column{Index: 0, Name: "k", DataType: arrow.PrimitiveTypes.Int64}
	v := &expr.Column{Index: 1, Name: "v", DataType: arrow.PrimitiveTypes.Int64}
	runBench(b, rows, func() Operator {
		return NewSort(NewBatches(benchSchema, bs), []SortKey{{Expr: k, Desc: true}, {Expr: v}}, mem, nil)
	})
}

// BenchmarkTopN: ORDER BY v DESC LIMIT 10 over 1M rows.
func BenchmarkTopN(b *testing.B) {
	const rows = 1_000_000
	bs := benchBatches(rows, 1000)
	defer releaseBatches(bs)
	mem := memory.NewGoAllocator()
	v := &expr.Column{Index: 1, Name: "v", DataType: arrow.PrimitiveTypes.Int64}
	runBench(b, rows, func() Operator {
		return NewTopN(NewBatches(benchSchema, bs), []SortKey{{Expr: v, Desc: true}}, 10, mem, nil)
	})
}
