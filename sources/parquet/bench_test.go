package parquet

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
)

// BenchmarkSelectiveFilter scans a 200,000-row file of 20 row groups for
// id BETWEEN 123000 AND 123999 (0.5% of the rows, one row group), with
// row-group pruning on (the filter pushed as Inexact) and off (no filter
// pushed), then applies the filter to what was read.
func BenchmarkSelectiveFilter(b *testing.B) {
	const rows, group = 200_000, 10_000
	path := writeFile(b, b.TempDir(), "bench.parquet", 0, rows, group)
	tbl, err := OpenFile(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	pt := tbl.(*Table)
	filter := cmp(expr.OpAnd, cmp(expr.OpGtEq, col(0), i64(123000)), cmp(expr.OpLtEq, col(0), i64(123999)))
	for _, bc := range []struct {
		name    string
		filters []expr.Expr
	}{{"pruning=on", []expr.Expr{filter}}, {"pruning=off", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			mem := memory.NewGoAllocator()
			var groups int
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s, err := pt.Scan(context.Background(), catalog.ScanRequest{Projection: []int{0, 1, 4}, Filters: bc.filters, Limit: -1})
				if err != nil {
					b.Fatal(err)
				}
				_, groups = s.(*Scan).RowGroups()
				matched := 0
				for _, p := range s.Partitions() {
					rr, err := p.Open(context.Background(), mem)
					if err != nil {
						b.Fatal(err)
					}
					for rr.Next() {
						for _, v := range rr.RecordBatch().Column(0).(*array.Int64).Int64Values() {
							if v >= 123000 && v <= 123999 {
								matched++
							}
						}
					}
					if err := rr.Err(); err != nil {
						b.Fatal(err)
					}
					rr.Release()
				}
				if matched != 1000 {
					b.Fatalf("matched %d rows, want 1000", matched)
				}
			}
			b.ReportMetric(float64(groups), "row_groups_read/op")
		})
	}
}
