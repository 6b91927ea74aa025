package physical_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
)

func col(i int, name string, t arrow.DataType) *expr.Column {
	return &expr.Column{Index: i, Name: name, DataType: t}
}

func gt(l, r expr.Expr) expr.Expr {
	return &expr.Binary{Op: expr.OpGt, Left: l, Right: r, DataType: arrow.FixedWidthTypes.Boolean}
}

var (
	i64 = arrow.PrimitiveTypes.Int64
	f64 = arrow.PrimitiveTypes.Float64
)

// A typical query shape lowers node for node, the scan receives exactly the
// negotiated request, and EXPLAIN text shows the negotiation.
func TestLowerAndFormat(t *testing.T) {
	tbl := &fakeTable{schema: salesSchema, partitions: 3, describe: "row_groups=2/5"}
	full := gt(col(1, "day", i64), col(0, "id", i64))
	partial := &expr.IsNull{Input: col(2, "amount", f64), Negated: true}
	unsup := gt(col(2, "amount", f64), col(2, "amount", f64))
	scan := &logical.Scan{Name: salesName, Table: tbl, Projection: []int{0, 2},
		FullFilters: []expr.Expr{full}, PartialFilters: []expr.Expr{partial}, Unsupported: []expr.Expr{unsup}, Limit: -1}
	// Above the scan, columns bind to the projection [id, amount].
	filter := &logical.Filter{Input: scan, Predicate: &expr.Binary{Op: expr.OpAnd,
		Left:     &expr.IsNull{Input: col(1, "amount", f64), Negated: true},
		Right:    gt(col(1, "amount", f64), col(1, "amount", f64)),
		DataType: arrow.FixedWidthTypes.Boolean}}
	proj := &logical.Project{Input: filter, Exprs: []expr.Expr{col(0, "id", i64), col(1, "amount", f64)}, Names: []string{"id", "total"}}
	sort := &logical.Sort{Input: proj, Keys: []logical.SortKey{{Expr: col(1, "total", f64), Desc: true}}}
	agg := &logical.Aggregate{Input: sort, GroupBy: []expr.Expr{col(0, "id", i64)}, GroupNames: []string{"id"},
		Aggs: []expr.AggregateCall{{Func: expr.AggCount, DataType: i64}}, AggNames: []string{"n"}}
	lim := &logical.Limit{Input: agg, Offset: 1, Count: 2}

	p, err := physical.Lower(context.Background(), lim, catalog.Options{QueryID: "q1"})
	if err != nil {
		t.Fatal(err)
	}
	want := `LimitExec: offset=1 count=2
  HashAggregateExec: group_by=[id] aggs=[count(*)]
    SortExec: total DESC
      ProjectExec: id, amount AS total
        FilterExec: (amount IS NOT NULL) AND (amount > amount)
          ScanExec: demo.public.sales projection=[id, amount] full_filters=[day > id] partial_filters=[amount IS NOT NULL] unsupported=[amount > amount] partitions=3 row_groups=2/5
`
	if got := physical.Format(p); got != want {
		t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
	}
	if len(tbl.requests) != 1 {
		t.Fatalf("Scan called %d times, want 1", len(tbl.requests))
	}
	req := tbl.requests[0]
	if len(req.Filters) != 2 || req.Filters[0] != full || req.Filters[1] != partial {
		t.Errorf("scan got filters %v, want full then partial", req.Filters)
	}
	if req.Limit != -1 || req.Options.QueryID != "q1" || len(req.Projection) != 2 || req.Projection[1] != 2 {
		t.Errorf("scan request %+v", req)
	}
	// The request's projection is a copy: a provider keeping it cannot alias the plan.
	req.Projection[0] = 99
	if scan.Projection[0] != 0 {
		t.Error("scan request aliases the logical projection")
	}
	if s := p.Schema(); s.NumFields() != 2 || s.Field(0).Name != "id" || s.Field(1).Name != "n" {
		t.Errorf("schema %v", s)
	}
}

func TestLowerScanLimitAndNoFilters(t *testing.T) {
	tbl := &fakeTable{schema: salesSchema, partitions: 1}
	p, err := physical.Lower(context.Background(), &logical.Scan{Name: salesName, Table: tbl, Limit: 5}, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.String(), "ScanExec: demo.public.sales limit=5 partitions=1"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if r := tbl.requests[0]; r.Filters != nil || r.Projection != nil || r.Limit != 5 {
		t.Errorf("request %+v: nil projection/filters must stay nil", r)
	}
}

func TestLowerErrors(t *testing.T) {
	ctx := context.Background()
	cause := errs.New(errs.ErrUnavailable, "source down")
	_, err := physical.Lower(ctx, &logical.Scan{Name: salesName, Table: &fakeTable{schema: salesSchema, scanErr: cause}, Limit: -1}, catalog.Options{})
	if !errors.Is(err, errs.ErrUnavailable) || !strings.Contains(err.Error(), "demo.public.sales") {
		t.Errorf("provider error: %v", err)
	}
	_, err = physical.Lower(ctx, &logical.Scan{Name: salesName, Table: &fakeTable{schema: salesSchema, badSchema: true}, Limit: -1}, catalog.Options{})
	if !errors.Is(err, errs.ErrInternal) {
		t.Errorf("provider ignoring the projection: %v", err)
	}
	_, err = physical.Lower(ctx, &logical.Scan{Name: salesName, Table: &fakeTable{schema: salesSchema}, Projection: []int{7}, Limit: -1}, catalog.Options{})
	if !errors.Is(err, errs.ErrInternal) {
		t.Errorf("projection out of range: %v", err)
	}
	_, err = physical.Lower(ctx, unknownNode{}, catalog.Options{})
	if !errors.Is(err, errs.ErrNotImplemented) || !strings.Contains(err.Error(), "unknownNode") {
		t.Errorf("unknown node: %v", err)
	}
	_, err = physical.Lower(ctx, &logical.Explain{Input: &logical.Explain{Input: values()}}, catalog.Options{})
	if !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("nested explain: %v", err)
	}
	_, err = physical.Lower(ctx, &logical.Insert{Name: salesName, Input: values()}, catalog.Options{})
	if !errors.Is(err, errs.ErrPermission) {
		t.Errorf("insert without target: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err = physical.Lower(cctx, values(), catalog.Options{}); err == nil {
		t.Error("cancelled planning succeeded")
	}
}

type unknownNode struct{}

func (unknownNode) Schema() *arrow.Schema                    { return logical.DMLSchema }
func (unknownNode) Children() []logical.Plan                 { return nil }
func (unknownNode) WithChildren([]logical.Plan) logical.Plan { return unknownNode{} }
func (unknownNode) String() string                           { return "Unknown" }

func values() *logical.Values {
	return &logical.Values{Out: arrow.NewSchema([]arrow.Field{{Name: "a", Type: i64}}, nil),
		Rows: [][]expr.Expr{{&expr.Literal{DataType: i64, Value: int64(1)}}}}
}

type fakeCreatable struct{}

func (fakeCreatable) CreateTable(context.Context, string, *arrow.Schema, bool) error { return nil }
func (fakeCreatable) DropTable(context.Context, string, bool) error                  { return nil }

// Every node kind prints a distinct, non-empty line (STYLE habit 4).
func TestEveryNodePrints(t *testing.T) {
	tbl := &fakeTable{schema: salesSchema, partitions: 2}
	sc, _ := tbl.Scan(context.Background(), catalog.ScanRequest{})
	scan := &physical.ScanExec{Name: salesName, Table: tbl, Scan: sc, Limit: -1, Parallelism: 2}
	v := &physical.ValuesExec{Out: values().Out, Rows: values().Rows}
	nodes := []physical.Plan{
		scan,
		&physical.FilterExec{Input: scan, Predicate: gt(col(0, "id", i64), col(1, "day", i64))},
		&physical.ProjectExec{Input: scan, Exprs: []expr.Expr{col(0, "id", i64)}, Names: []string{"x"}},
		&physical.HashAggregateExec{Input: scan, Aggs: []expr.AggregateCall{{Func: expr.AggSum, Arg: col(2, "amount", f64), DataType: f64}}, AggNames: []string{"s"}},
		&physical.SortExec{Input: scan, Keys: []logical.SortKey{{Expr: col(0, "id", i64), NullsFirst: true}}, Fetch: 3},
		&physical.LimitExec{Input: scan, Offset: 0, Count: 1},
		v,
		&physical.ExplainExec{Input: v, Analyze: true},
		&physical.CreateTableExec{Name: salesName, Target: fakeCreatable{}, TableSchema: salesSchema, IfNotExists: true},
		&physical.DropTableExec{Name: salesName, Target: fakeCreatable{}, IfExists: true},
		&physical.InsertExec{Name: salesName, Input: v},
	}
	want := []string{
		"ScanExec: demo.public.sales partitions=2 parallelism=2",
		"FilterExec: id > day",
		"ProjectExec: id AS x",
		"HashAggregateExec: group_by=[] aggs=[sum(amount)]",
		"SortExec: id ASC fetch=3",
		"LimitExec: offset=0 count=1",
		"ValuesExec: rows=1 columns=1",
		"ExplainExec: analyze",
		"CreateTableExec: demo.public.sales (",
		"DropTableExec: demo.public.sales if_exists",
		"InsertExec: demo.public.sales",
	}
	for i, n := range nodes {
		if got := n.String(); !strings.HasPrefix(got, want[i]) {
			t.Errorf("node %d prints %q, want prefix %q", i, got, want[i])
		}
		if n.Schema() == nil {
			t.Errorf("%s: nil schema", n)
		}
		// WithChildren returns a new node and never mutates the receiver.
		before := n.String()
		c := n.WithChildren(n.Children())
		if c == n || c.String() != before || n.String() != before {
			t.Errorf("%s: WithChildren must return an equal copy", before)
		}
	}
}

func TestTransformAndLines(t *testing.T) {
	v := &physical.ValuesExec{Out: values().Out, Rows: values().Rows}
	lim := &physical.LimitExec{Input: &physical.LimitExec{Input: v, Count: 5}, Count: 3}
	out, changed, err := physical.Transform(lim, func(p physical.Plan) (physical.Plan, bool, error) {
		if l, ok := p.(*physical.LimitExec); ok && l.Count == 5 {
			return &physical.LimitExec{Input: l.Input, Count: 4}, true, nil
		}
		return p, false, nil
	})
	if err != nil || !changed {
		t.Fatal(err, changed)
	}
	if lim.Input.(*physical.LimitExec).Count != 5 {
		t.Error("Transform mutated its input")
	}
	lines := physical.Lines(out, func(p physical.Plan) string {
		if _, ok := p.(*physical.ValuesExec); ok {
			return "rows=1"
		}
		return ""
	})
	want := []string{"LimitExec: offset=0 count=3", "  LimitExec: offset=0 count=4", "    ValuesExec: rows=1 columns=1 rows=1"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines %q", lines)
	}
	_, changed, _ = physical.Transform(lim, func(p physical.Plan) (physical.Plan, bool, error) { return p, false, nil })
	if changed {
		t.Error("identity transform reported a change")
	}
}
