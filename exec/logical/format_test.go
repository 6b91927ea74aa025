package logical_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/sources/memory"
)

var rewrite = flag.Bool("rewrite", false, "rewrite golden files")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEveryNodePrints prints one plan holding every node kind and compares it
// with testdata/every_node.txt (STYLE.md habit 4: exhaustive printing).
func TestEveryNodePrints(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	table, err := memory.NewTable(schema)
	if err != nil {
		t.Fatal(err)
	}
	defer table.Release()
	name := catalog.Name{Catalog: "c", Schema: "s", Table: "t"}
	id := &expr.Column{Index: 0, Name: "id", DataType: arrow.PrimitiveTypes.Int64}
	gt, err := expr.NewBinary(expr.OpGt, id, expr.NewLiteral(int64(10)))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := expr.NewBinary(expr.OpLt, id, expr.NewLiteral(int64(99)))
	if err != nil {
		t.Fatal(err)
	}
	like, err := expr.NewLike(&expr.Column{Index: 1, Name: "name", DataType: arrow.BinaryTypes.String}, expr.NewLiteral("a%"), '\\', false)
	if err != nil {
		t.Fatal(err)
	}
	count, err := expr.NewAggregate(expr.AggCount, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	scan := &logical.Scan{Name: name, Table: table, Projection: []int{0}, FullFilters: []expr.Expr{gt}, PartialFilters: []expr.Expr{lt}, Unsupported: []expr.Expr{like}, Limit: 5}
	var plan logical.Plan = &logical.Filter{Input: scan, Predicate: lt}
	plan = &logical.Aggregate{Input: plan, GroupBy: []expr.Expr{id}, GroupNames: []string{"id"}, Aggs: []expr.AggregateCall{count}, AggNames: []string{"n"}}
	plan = &logical.Project{Input: plan, Exprs: []expr.Expr{id, &expr.Column{Index: 1, Name: "n", DataType: arrow.PrimitiveTypes.Int64}}, Names: []string{"id", "total"}}
	plan = &logical.Sort{Input: plan, Keys: []logical.SortKey{{Expr: id, Desc: true}, {Expr: id, NullsFirst: false}}}
	plan = &logical.Limit{Input: plan, Offset: 1, Count: 2}
	plan = &logical.Explain{Input: plan, Analyze: true}
	values := &logical.Values{Out: schema, Rows: [][]expr.Expr{{expr.NewLiteral(int64(1)), expr.NewLiteral("x")}}}
	var creatable catalog.Creatable
	var insertable catalog.Insertable = table
	join := &logical.Join{Type: logical.JoinLeft, Left: values, Right: scan, Keys: []logical.EquiKey{{Left: id, Right: id}}, Condition: gt}
	union := &logical.Union{Inputs: []logical.Plan{values, values}, Out: schema}
	setop := &logical.SetOp{Kind: logical.SetExcept, All: true, Left: values, Right: values, Out: schema}
	sub := &logical.SubqueryJoin{Kind: logical.SubqueryExists, Input: values, Subquery: scan, Name: "subquery1"}
	window := &logical.Window{Input: values, PartitionBy: []expr.Expr{id}, OrderBy: []logical.SortKey{{Expr: id}},
		Funcs: []expr.WindowCall{{Func: expr.WinRowNumber, DataType: arrow.PrimitiveTypes.Int64}}, Names: []string{"rn"}}
	out := logical.Format(plan) +
		logical.Format(join) + logical.Format(union) + logical.Format(setop) + logical.Format(sub) + logical.Format(window) +
		logical.Format(&logical.Insert{Name: name, Target: insertable, Input: values}) +
		logical.Format(&logical.CreateTable{Name: name, Target: creatable, TableSchema: schema}) +
		logical.Format(&logical.DropTable{Name: name, Target: creatable, IfExists: true})
	golden := filepath.Join("testdata", "every_node.txt")
	if *rewrite {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Fatalf("plan printing changed (go test ./exec/logical -rewrite):\n%s", out)
	}
	// WithChildren returns equal-printing copies, never the receiver mutated.
	var walk func(p logical.Plan)
	walk = func(p logical.Plan) {
		c := p.WithChildren(p.Children())
		if c == p || c.String() != p.String() {
			t.Errorf("%T.WithChildren must return a new, equal node", p)
		}
		for _, ch := range p.Children() {
			walk(ch)
		}
	}
	walk(plan)
}
