package logical_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
)

func TestRecursiveCTEPrintsAndRebuilds(t *testing.T) {
	out := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	anchor := &logical.Values{Out: out, Rows: [][]expr.Expr{{expr.NewLiteral(int64(1))}}}
	work := &logical.WorkTable{ID: 3, Name: "r", Out: out}
	n := &expr.Column{Index: 0, Name: "n", DataType: arrow.PrimitiveTypes.Int64}
	plus, err := expr.NewBinary(expr.OpAdd, n, expr.NewLiteral(int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	member := &logical.Project{Input: work, Exprs: []expr.Expr{plus}, Names: []string{"n"}}
	cte := &logical.RecursiveCTE{ID: 3, Name: "r", Anchor: anchor, Recursive: member, Distinct: true, Out: out, MaxDepth: logical.DefaultMaxRecursionDepth}
	want := "RecursiveCTE: r#3 union=distinct max_depth=1000 columns=[n]\n" +
		"  Values: rows=1 columns=1\n" +
		"  Project: n + 1 AS n\n" +
		"    WorkTable: r#3\n"
	if got := logical.Format(cte); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if !cte.Schema().Equal(out) || !work.Schema().Equal(out) {
		t.Fatal("schemas are the CTE's Out")
	}
	re := cte.WithChildren([]logical.Plan{member, anchor}).(*logical.RecursiveCTE)
	if re == cte || re.Anchor != member || re.Recursive != anchor || cte.Anchor != anchor || re.ID != 3 || !re.Distinct {
		t.Fatal("WithChildren must copy, replace both inputs and keep the fields")
	}
	if len(work.Children()) != 0 || work.WithChildren(nil) != work {
		t.Fatal("WorkTable is a leaf")
	}
}
