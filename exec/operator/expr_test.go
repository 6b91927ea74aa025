package operator

import (
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

func lit(v int64) expr.Expr { return &expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: v} }

func must(e expr.Expr, err error) expr.Expr {
	if err != nil {
		panic(err)
	}
	return e
}

// TestComputedExpressions runs filter, project, sort and aggregate over
// expressions evaluated by exec/expr (not only bare columns).
func TestComputedExpressions(t *testing.T) {
	rows := testRows(1100)
	id, grp := col(testSchema, "id"), col(testSchema, "grp")
	// WHERE id > 500 AND grp IS NOT NULL
	pred := must(expr.NewBinary(expr.OpAnd,
		must(expr.NewBinary(expr.OpGt, id, lit(500))),
		must(expr.NewIsNull(grp, true))))
	// SELECT id * 2, grp
	dbl := must(expr.NewBinary(expr.OpMul, id, lit(2)))
	pschema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: dbl.Type(), Nullable: true}, {Name: "grp", Type: grp.DataType, Nullable: true}}, nil)
	var want []row
	for _, r := range rows {
		if r[0].(int64) > 500 && r[1] != nil {
			want = append(want, row{r[0].(int64) * 2, r[1]})
		}
	}
	// ORDER BY x % 7 DESC, x (x is column 0 of the projection)
	x := &expr.Column{Index: 0, Name: "x", DataType: dbl.Type()}
	mod := must(expr.NewBinary(expr.OpMod, x, lit(7)))
	sorted := append([]row(nil), want...)
	refSortFunc(sorted, func(a, b row) bool {
		ma, mb := a[0].(int64)%7, b[0].(int64)%7
		if ma != mb {
			return ma > mb
		}
		return a[0].(int64) < b[0].(int64)
	})
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, testSchema, rows, size)
			defer releaseBatches(bs)
			proj := func() Operator {
				return NewProject(NewFilter(NewBatches(testSchema, bs), pred, mem), []expr.Expr{dbl, grp}, pschema, mem)
			}
			assertRows(t, drain(t, proj()), want)
			got := drain(t, NewSort(proj(), []SortKey{{Expr: mod, Desc: true}, {Expr: x}}, mem, nil))
			assertRows(t, got, sorted)
			// SELECT x DIV 100, count(*), sum(x) GROUP BY x DIV 100
			bucket := must(expr.NewBinary(expr.OpIntDiv, x, lit(100)))
			sum, err := expr.NewAggregate(expr.AggSum, x, false)
			if err != nil {
				t.Fatal(err)
			}
			cnt, _ := expr.NewAggregate(expr.AggCount, nil, false)
			agg := drain(t, NewHashAggregate(proj(), []expr.Expr{bucket}, []expr.AggregateCall{cnt, sum}, nil, mem, nil))
			ref := map[int64][2]int64{}
			for _, r := range want {
				b := r[0].(int64) / 100
				v := ref[b]
				ref[b] = [2]int64{v[0] + 1, v[1] + r[0].(int64)}
			}
			var wantAgg []row
			for b, v := range ref {
				wantAgg = append(wantAgg, row{b, v[0], fmt.Sprint(v[1])})
			}
			assertRows(t, sortRows(agg), sortRows(wantAgg))
		})
	}
}

func refSortFunc(rs []row, less func(a, b row) bool) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && less(rs[j], rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}
