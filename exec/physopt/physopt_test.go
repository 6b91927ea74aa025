package physopt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
	"github.com/quiverdb/quiver/exec/physopt"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	i64     = arrow.PrimitiveTypes.Int64
	boolean = arrow.FixedWidthTypes.Boolean
	schema  = arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}, {Name: "b", Type: arrow.BinaryTypes.String}, {Name: "c", Type: i64}}, nil)
	name    = catalog.Name{Catalog: "test", Schema: "public", Table: "t"}
)

type table struct{ parts int }

func (t table) Schema() *arrow.Schema { return schema }
func (t table) Scan(_ context.Context, r catalog.ScanRequest) (catalog.Scan, error) {
	return scan{s: logical.ProjectSchema(schema, r.Projection), n: t.parts}, nil
}

type scan struct {
	s *arrow.Schema
	n int
}

func (s scan) Schema() *arrow.Schema { return s.s }
func (s scan) Partitions() []catalog.Partition {
	return make([]catalog.Partition, s.n)
}

func col(i int, n string, t arrow.DataType) *expr.Column {
	return &expr.Column{Index: i, Name: n, DataType: t}
}

func eq(l, r expr.Expr) expr.Expr {
	return &expr.Binary{Op: expr.OpEq, Left: l, Right: r, DataType: boolean}
}

func scanExec(t *testing.T, parts int, proj []int, full, partial []expr.Expr, limit int64) *physical.ScanExec {
	t.Helper()
	tb := table{parts: parts}
	p, err := physical.Lower(context.Background(), &logical.Scan{Name: name, Table: tb, Projection: proj,
		FullFilters: full, PartialFilters: partial, Limit: limit}, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.(*physical.ScanExec)
}

func TestDefaultRulesOrder(t *testing.T) {
	r := physopt.DefaultRules()
	if len(r) < 3 || r[0].Name() != "Collation" || r[len(r)-1].Name() != "SanityCheck" {
		t.Fatalf("SanityCheck must be last: %v", r)
	}
	r[0] = nil
	if physopt.DefaultRules()[0] == nil {
		t.Error("DefaultRules must return a fresh slice")
	}
}

func TestTopN(t *testing.T) {
	s := scanExec(t, 1, nil, nil, nil, -1)
	sort := &physical.SortExec{Input: s, Keys: []logical.SortKey{{Expr: col(0, "a", i64), NullsFirst: true}}, Fetch: -1}
	proj := &physical.ProjectExec{Input: sort, Exprs: []expr.Expr{col(0, "a", i64)}, Names: []string{"a"}}
	lim := &physical.LimitExec{Input: proj, Offset: 2, Count: 3}
	before := physical.Format(lim)

	out, changed, err := physopt.TopN{}.Rewrite(context.Background(), lim, physopt.Config{})
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if physical.Format(lim) != before {
		t.Fatal("rule mutated its input")
	}
	want := "LimitExec: offset=2 count=3\n  ProjectExec: a\n    SortExec: a ASC fetch=5\n      ScanExec: test.public.t partitions=1\n"
	if got := physical.Format(out); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A second pass finds nothing to do.
	if _, changed, _ := (physopt.TopN{}).Rewrite(context.Background(), out, physopt.Config{}); changed {
		t.Error("TopN is not idempotent")
	}
	// No count, or no sort below: nothing changes.
	for _, p := range []physical.Plan{
		&physical.LimitExec{Input: sort, Offset: 2, Count: -1},
		&physical.LimitExec{Input: &physical.FilterExec{Input: sort, Predicate: eq(col(0, "a", i64), col(2, "c", i64))}, Count: 1},
	} {
		if _, changed, _ := (physopt.TopN{}).Rewrite(context.Background(), p, physopt.Config{}); changed {
			t.Errorf("TopN changed %s", physical.Format(p))
		}
	}
}

func TestScanParallelism(t *testing.T) {
	for _, tc := range []struct{ parts, cfg, want int }{{4, 2, 2}, {4, 8, 4}, {0, 8, 1}, {1, 1, 1}} {
		s := scanExec(t, tc.parts, nil, nil, nil, -1)
		out, changed, err := physopt.ScanParallelism{}.Rewrite(context.Background(), s, physopt.Config{Parallelism: tc.cfg})
		if err != nil || !changed {
			t.Fatal(err, changed)
		}
		if got := out.(*physical.ScanExec).Parallelism; got != tc.want {
			t.Errorf("%+v: parallelism %d", tc, got)
		}
		if s.Parallelism != 0 {
			t.Error("rule mutated its input")
		}
		if _, changed, _ := (physopt.ScanParallelism{}).Rewrite(context.Background(), out, physopt.Config{Parallelism: tc.cfg}); changed {
			t.Error("second pass changed the plan")
		}
	}
}

func TestSanityCheck(t *testing.T) {
	ctx := context.Background()
	aEq := eq(col(0, "a", i64), col(2, "c", i64))
	good := scanExec(t, 1, []int{2, 0}, []expr.Expr{aEq}, nil, 10)
	okPlans := []physical.Plan{
		good,
		// A filter above the scan binds to the projection [c, a].
		&physical.FilterExec{Input: scanExec(t, 1, []int{2, 0}, nil, []expr.Expr{aEq}, -1), Predicate: eq(col(1, "a", i64), col(0, "c", i64))},
		&physical.ExplainExec{Input: good},
	}
	for _, p := range okPlans {
		if _, _, err := (physopt.SanityCheck{}).Rewrite(ctx, p, physopt.Config{}); err != nil {
			t.Errorf("valid plan rejected: %v\n%s", err, physical.Format(p))
		}
	}
	bad := map[string]physical.Plan{
		"out of range": &physical.ProjectExec{Input: good, Exprs: []expr.Expr{col(2, "x", i64)}, Names: []string{"x"}},
		"typed":        &physical.ProjectExec{Input: good, Exprs: []expr.Expr{col(0, "c", arrow.BinaryTypes.String)}, Names: []string{"x"}},
		"names":        &physical.ProjectExec{Input: good, Exprs: []expr.Expr{col(0, "c", i64)}},
		"not boolean":  &physical.FilterExec{Input: good, Predicate: col(0, "c", i64)},
		"limit pushed into a scan that has inexact": scanExec(t, 1, nil, nil, []expr.Expr{aEq}, 5),
		"accepted as Exact":                         &physical.FilterExec{Input: good, Predicate: eq(col(1, "a", i64), col(0, "c", i64))},
		"below the root":                            &physical.LimitExec{Input: &physical.ExplainExec{Input: good}, Count: 1},
		"without keys":                              &physical.SortExec{Input: good, Fetch: -1},
		"has 2 values": &physical.ValuesExec{Out: arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}}, nil),
			Rows: [][]expr.Expr{{&expr.Literal{DataType: i64, Value: int64(1)}, &expr.Literal{DataType: i64, Value: int64(1)}}}},
		"scan filter index": scanExec(t, 1, nil, []expr.Expr{eq(col(5, "zz", i64), col(0, "a", i64))}, nil, -1),
		"schema says int64": &physical.ValuesExec{Out: arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}}, nil),
			Rows: [][]expr.Expr{{&expr.Literal{DataType: arrow.BinaryTypes.String, Value: "x"}}}},
		"table column b is utf8": &physical.InsertExec{Name: name, Target: insertable{}, Input: &physical.ValuesExec{
			Out:  arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}, {Name: "b", Type: i64}, {Name: "c", Type: i64}}, nil),
			Rows: [][]expr.Expr{{&expr.Literal{DataType: i64, Value: int64(1)}, &expr.Literal{DataType: i64, Value: int64(1)}, &expr.Literal{DataType: i64, Value: int64(1)}}}}},
	}
	for want, p := range bad {
		_, _, err := physopt.SanityCheck{}.Rewrite(ctx, p, physopt.Config{})
		if !errors.Is(err, errs.ErrInternal) {
			t.Errorf("%s: want ErrInternal, got %v", want, err)
			continue
		}
		if want != "scan filter index" && !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// insertable is a writable table with the test schema.
type insertable struct{ table }

func (insertable) Insert(context.Context, array.RecordReader) (int64, error) { return 0, nil }

type panicky struct{}

func (panicky) Name() string { return "Panicky" }
func (panicky) Rewrite(context.Context, physical.Plan, physopt.Config) (physical.Plan, bool, error) {
	panic("boom")
}

type failing struct{}

func (failing) Name() string { return "Failing" }
func (failing) Rewrite(context.Context, physical.Plan, physopt.Config) (physical.Plan, bool, error) {
	return nil, false, errs.NotImplementedf("no can do")
}

func TestOptimize(t *testing.T) {
	ctx := context.Background()
	s := &physical.LimitExec{Input: &physical.SortExec{Input: scanExec(t, 3, nil, nil, nil, -1),
		Keys: []logical.SortKey{{Expr: col(0, "a", i64), NullsFirst: true}}, Fetch: -1}, Count: 1}
	out, err := physopt.Optimize(ctx, s, physopt.Config{Parallelism: 2}, physopt.DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	want := "LimitExec: offset=0 count=1\n  SortExec: a ASC fetch=1\n    ScanExec: test.public.t partitions=3 parallelism=2\n"
	if got := physical.Format(out); got != want {
		t.Errorf("got\n%s", got)
	}
	_, err = physopt.Optimize(ctx, s, physopt.Config{}, []physopt.Rule{panicky{}})
	if !errors.Is(err, errs.ErrInternal) || !strings.Contains(err.Error(), "Panicky") {
		t.Errorf("panic: %v", err)
	}
	_, err = physopt.Optimize(ctx, s, physopt.Config{}, []physopt.Rule{failing{}})
	if !errors.Is(err, errs.ErrNotImplemented) || !strings.Contains(err.Error(), "Failing") {
		t.Errorf("error: %v", err)
	}
}
