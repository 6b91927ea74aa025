package operator_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/operator"
)

// A small pipeline: VALUES → ORDER BY n DESC LIMIT 2 → a RecordReader, the
// shape the server streams to Flight clients.
func ExampleAsRecordReader() {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	row := func(name string, n int64) []expr.Expr {
		return []expr.Expr{
			&expr.Literal{DataType: arrow.BinaryTypes.String, Value: name},
			&expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: n},
		}
	}
	values := operator.NewValues(schema, [][]expr.Expr{row("a", 3), row("b", 9), row("c", 5)}, mem)
	n := &expr.Column{Index: 1, Name: "n", DataType: arrow.PrimitiveTypes.Int64}
	top := operator.NewTopN(values, []operator.SortKey{{Expr: n, Desc: true}}, 2, mem, operator.NewBudget(1<<20))

	rdr := operator.AsRecordReader(context.Background(), top) // owns top
	defer rdr.Release()
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			fmt.Println(b.Column(0).ValueStr(i), b.Column(1).ValueStr(i))
		}
	}
	if err := rdr.Err(); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// b 9
	// c 5
}
