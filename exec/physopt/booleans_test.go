package physopt_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
	"github.com/quiverdb/quiver/exec/physopt"
)

var boolSchema = arrow.NewSchema([]arrow.Field{{Name: "flag", Type: boolean, Nullable: true}, {Name: "a", Type: i64, Nullable: true}}, nil)

type boolTable struct{}

func (boolTable) Schema() *arrow.Schema { return boolSchema }
func (boolTable) Scan(_ context.Context, r catalog.ScanRequest) (catalog.Scan, error) {
	return scan{s: logical.ProjectSchema(boolSchema, r.Projection), n: 1}, nil
}

func booleanRule(t *testing.T, p physical.Plan) (physical.Plan, bool) {
	t.Helper()
	out, changed, err := physopt.BooleanResults{}.Rewrite(context.Background(), p, physopt.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := physopt.Validate(out); err != nil {
		t.Fatalf("rewritten plan invalid: %v\n%s", err, physical.Format(out))
	}
	if _, again, err := (physopt.BooleanResults{}).Rewrite(context.Background(), out, physopt.Config{}); err != nil || again {
		t.Fatalf("not idempotent: changed=%v err=%v", again, err)
	}
	return out, changed
}

func TestBooleanResults(t *testing.T) {
	lp := &logical.Scan{Name: catalog.Name{Catalog: "c", Schema: "s", Table: "b"}, Table: boolTable{}, Limit: -1}
	sc, err := physical.Lower(context.Background(), lp, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	flag, a := col(0, "flag", boolean), col(1, "a", i64)
	gt, err := expr.NewBinary(expr.OpGt, a, expr.NewLiteral(int64(1)))
	if err != nil {
		t.Fatal(err)
	}
	// Computed BOOL → BIGINT in the root projection; the table's BOOL column
	// and the integer stay as they are.
	proj := &physical.ProjectExec{Input: sc, Exprs: []expr.Expr{gt, flag, a}, Names: []string{"a > 1", "flag", "a"}}
	out, changed := booleanRule(t, proj)
	if got := out.String(); !changed || got != "ProjectExec: CAST(a > 1 AS BIGINT) AS a > 1, flag, a" {
		t.Errorf("project: %s", got)
	}
	if f := out.Schema().Field(0); f.Name != "a > 1" || f.Type.ID() != arrow.INT64 {
		t.Errorf("field 0: %s", f)
	}
	if f := out.Schema().Field(1); f.Type.ID() != arrow.BOOL {
		t.Errorf("table column converted: %s", f)
	}

	// A root that is not a projection gets one; the table column seen
	// through a sort, a limit, a filter and a renaming projection stays BOOL.
	filtered := &physical.FilterExec{Input: sc, Predicate: flag}
	sorted := &physical.LimitExec{Input: &physical.SortExec{Input: proj.WithChildren([]physical.Plan{filtered}), Keys: []logical.SortKey{{Expr: col(2, "a", i64)}}, Fetch: -1}, Offset: 0, Count: 3}
	out, changed = booleanRule(t, sorted)
	want := "ProjectExec: CAST(a > 1 AS BIGINT) AS a > 1, flag, a\n  LimitExec: offset=0 count=3\n"
	if got := physical.Format(out); !changed || len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("limit root:\n%s", got)
	}

	// Only table columns: nothing to do.
	only := &physical.ProjectExec{Input: sc, Exprs: []expr.Expr{flag}, Names: []string{"f"}}
	if out, changed := booleanRule(t, only); changed || out != physical.Plan(only) {
		t.Errorf("table BOOL converted:\n%s", physical.Format(out))
	}

	// Literals and aggregates of truth values are computed.
	values := &physical.ValuesExec{Out: arrow.NewSchema([]arrow.Field{{Name: "TRUE", Type: boolean}}, nil), Rows: [][]expr.Expr{{expr.NewLiteral(true)}}}
	if out, changed := booleanRule(t, values); !changed || out.Schema().Field(0).Type.ID() != arrow.INT64 {
		t.Errorf("values:\n%s", physical.Format(out))
	}
	agg := &physical.HashAggregateExec{Input: sc, GroupBy: []expr.Expr{flag, gt}, GroupNames: []string{"flag", "a > 1"}}
	if out, _ := booleanRule(t, agg); out.Schema().Field(0).Type.ID() != arrow.BOOL || out.Schema().Field(1).Type.ID() != arrow.INT64 {
		t.Errorf("aggregate: %s", out.Schema())
	}

	// Table columns stay BOOL through joins (both sides, semi joins keep
	// the left), unions of table columns, windows and subquery joins; the
	// columns those nodes compute are converted.
	other := &physical.ValuesExec{Out: arrow.NewSchema([]arrow.Field{{Name: "t", Type: boolean}}, nil), Rows: [][]expr.Expr{{expr.NewLiteral(true)}}}
	join := &physical.NestedLoopJoinExec{Type: logical.JoinLeft, Left: sc, Right: other}
	if out, _ := booleanRule(t, join); out.Schema().Field(0).Type.ID() != arrow.BOOL || out.Schema().Field(2).Type.ID() != arrow.INT64 {
		t.Errorf("join: %s", out.Schema())
	}
	rightTable := &physical.NestedLoopJoinExec{Type: logical.JoinInner, Left: other, Right: sc}
	if out, _ := booleanRule(t, rightTable); out.Schema().Field(0).Type.ID() != arrow.INT64 || out.Schema().Field(1).Type.ID() != arrow.BOOL {
		t.Errorf("join with the table on the right: %s", out.Schema())
	}
	union := &physical.UnionExec{Inputs: []physical.Plan{sc, sc}, Out: sc.Schema()}
	if _, changed := booleanRule(t, union); changed {
		t.Errorf("union of table columns converted")
	}
	mixed := &physical.UnionExec{Inputs: []physical.Plan{only, &physical.ProjectExec{Input: sc, Exprs: []expr.Expr{gt}, Names: []string{"f"}}}, Out: only.Schema()}
	if out, changed := booleanRule(t, mixed); !changed || out.Schema().Field(0).Type.ID() != arrow.INT64 {
		t.Errorf("union with a computed input: %s", out.Schema())
	}
	exists := &physical.SubqueryJoinExec{Kind: logical.SubqueryExists, Input: sc, Subquery: other, Name: "EXISTS"}
	if out, _ := booleanRule(t, exists); out.Schema().Field(0).Type.ID() != arrow.BOOL || out.Schema().Field(2).Type.ID() != arrow.INT64 {
		t.Errorf("subquery join: %s", out.Schema())
	}

	// EXPLAIN shows the converted plan; the EXPLAIN node stays the root.
	out, changed = booleanRule(t, &physical.ExplainExec{Input: proj})
	if ex, ok := out.(*physical.ExplainExec); !changed || !ok || ex.Input.Schema().Field(0).Type.ID() != arrow.INT64 {
		t.Errorf("explain:\n%s", physical.Format(out))
	}
}
