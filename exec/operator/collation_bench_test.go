package operator

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/expr"
)

var strBenchSchema = arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)

// strBenchBatches builds n ASCII strings in 8192-row batches cycling through
// groups distinct values ("Customer#000000042").
func strBenchBatches(n, groups int) []arrow.RecordBatch {
	mem := memory.NewGoAllocator()
	var out []arrow.RecordBatch
	for start := 0; start < n; start += maxBatchRows {
		m := min(maxBatchRows, n-start)
		sb := array.NewStringBuilder(mem)
		for i := 0; i < m; i++ {
			sb.Append(fmt.Sprintf("Customer#%09d", (start+i)*7919%groups))
		}
		a := sb.NewArray()
		sb.Release()
		out = append(out, array.NewRecordBatch(strBenchSchema, []arrow.Array{a}, int64(m)))
		a.Release()
	}
	return out
}

// BenchmarkGroupByString compares GROUP BY s, count(*) on raw bytes
// ("bytes") with the plans physopt.Collation makes: one phase (GROUP BY
// WEIGHT_STRING(s) with ANY_VALUE(s), used when an aggregate does not
// decompose) and two phases (raw values first, then merged by key), for
// few and many groups; and ORDER BY s likewise.
func BenchmarkGroupByString(b *testing.B) {
	const rows = 1_000_000
	s := &expr.Column{Index: 0, Name: "s", DataType: arrow.BinaryTypes.String}
	count := expr.AggregateCall{Func: expr.AggCount, DataType: arrow.PrimitiveTypes.Int64}
	anyS, err := expr.NewAggregate(expr.AggAnyValue, s, false)
	if err != nil {
		b.Fatal(err)
	}
	sumCounts, err := expr.NewAggregate(expr.AggSum, &expr.Column{Index: 1, Name: "count(*)", DataType: arrow.PrimitiveTypes.Int64}, false)
	if err != nil {
		b.Fatal(err)
	}
	mem := memory.NewGoAllocator()
	for _, groups := range []int{7, 100_000} {
		bs := strBenchBatches(rows, groups)
		b.Run(fmt.Sprintf("groups=%d/bytes", groups), func(b *testing.B) {
			runBench(b, rows, func() Operator {
				return NewHashAggregate(NewBatches(strBenchSchema, bs), []expr.Expr{s}, []expr.AggregateCall{count}, nil, mem, nil)
			})
		})
		b.Run(fmt.Sprintf("groups=%d/collation-one-phase", groups), func(b *testing.B) {
			runBench(b, rows, func() Operator {
				return NewHashAggregate(NewBatches(strBenchSchema, bs), []expr.Expr{expr.NewCollationKey(s)}, []expr.AggregateCall{count, anyS}, nil, mem, nil)
			})
		})
		b.Run(fmt.Sprintf("groups=%d/collation-two-phase", groups), func(b *testing.B) {
			runBench(b, rows, func() Operator {
				first := NewHashAggregate(NewBatches(strBenchSchema, bs), []expr.Expr{s}, []expr.AggregateCall{count}, nil, mem, nil)
				return NewHashAggregate(first, []expr.Expr{expr.NewCollationKey(s)}, []expr.AggregateCall{sumCounts, anyS}, nil, mem, nil)
			})
		})
		releaseBatches(bs)
	}
	bs := strBenchBatches(rows/4, 100_000)
	defer releaseBatches(bs)
	b.Run("sort/bytes", func(b *testing.B) {
		runBench(b, rows/4, func() Operator {
			return NewSort(NewBatches(strBenchSchema, bs), []SortKey{{Expr: s}}, mem, nil)
		})
	})
	b.Run("sort/collation", func(b *testing.B) {
		runBench(b, rows/4, func() Operator {
			return NewSort(NewBatches(strBenchSchema, bs), []SortKey{{Expr: expr.NewCollationKey(s)}}, mem, nil)
		})
	})
}
