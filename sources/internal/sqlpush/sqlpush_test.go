package sqlpush

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/internal/sqlgen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "gone", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func table(d sqlgen.Dialect, stringKeys bool) *Table {
	return &Table{Dialect: d, What: "test table t", Schema: testSchema, StringKeys: stringKeys,
		Col: func(i int) string {
			if i == 3 {
				return "" // not readable remotely
			}
			return d.QuoteIdent(testSchema.Field(i).Name)
		}}
}

func col(i int) *expr.Column {
	return &expr.Column{Index: i, Name: testSchema.Field(i).Name, DataType: testSchema.Field(i).Type}
}

func TestTopN(t *testing.T) {
	pg := table(sqlgen.Postgres, false)
	order, ok, err := pg.TopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 0, Desc: true}, {Column: 2, NullsFirst: true}}, Limit: 5})
	if err != nil || !ok {
		t.Fatalf("TopN: ok=%v err=%v", ok, err)
	}
	// A float key in PostgreSQL gets its NaN guard first.
	if len(order) != 3 || order[0].Expr != `"id"` || !order[0].Desc || !strings.Contains(order[1].Expr, "NaN") || order[2].Expr != `"f"` {
		t.Fatalf("order: %+v", order)
	}
	for _, k := range []int{1, 3} { // string (collation), unreadable column
		if _, ok, err := pg.TopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: k}}, Limit: 5}); ok || err != nil {
			t.Errorf("key %d: ok=%v err=%v, want refused", k, ok, err)
		}
	}
	if _, ok, _ := pg.TopN(catalog.TopNRequest{Limit: 5}); ok {
		t.Error("no keys: want refused")
	}
	if _, _, err := pg.TopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 9}}, Limit: 5}); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "test table t") {
		t.Errorf("out of range: %v", err)
	}
	// Same collation: string keys are pushed.
	my := table(sqlgen.MySQL, true)
	order, ok, err = my.TopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 1, NullsFirst: true}}, Limit: 5})
	if err != nil || !ok || len(order) != 1 || order[0].Expr != "`s`" || !order[0].NullsFirst {
		t.Fatalf("string key with StringKeys: %+v ok=%v err=%v", order, ok, err)
	}
}

func TestAggregatePlan(t *testing.T) {
	my := table(sqlgen.MySQL, true)
	cnt := expr.AggregateCall{Func: expr.AggCount, DataType: expr.TypeInt64}
	maxS := expr.AggregateCall{Func: expr.AggMax, Arg: col(1), DataType: arrow.BinaryTypes.String}
	cntD := expr.AggregateCall{Func: expr.AggCount, Arg: col(1), Distinct: true, DataType: expr.TypeInt64}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "count(*)", Type: expr.TypeInt64},
		{Name: "max(s)", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "count(DISTINCT s)", Type: expr.TypeInt64},
	}, nil)
	req := catalog.AggregateRequest{GroupBy: []expr.Expr{col(0)}, Aggs: []expr.AggregateCall{cnt, maxS, cntD}, Schema: schema}
	a, ok, err := my.Aggregate(req)
	if err != nil || !ok {
		t.Fatalf("Aggregate: ok=%v err=%v", ok, err)
	}
	if got := strings.Join(a.Items, ", "); got != "`id`, count(*), max(`s`), count(DISTINCT `s`)" {
		t.Fatalf("items: %s", got)
	}
	if !a.Outputs[0].Key || a.Outputs[0].Col != 0 || a.Outputs[1].Col != -1 || a.Outputs[2].Col != 1 {
		t.Fatalf("outputs: %+v", a.Outputs)
	}
	// Without StringKeys the string aggregates stay in the engine.
	if _, ok, err := table(sqlgen.MySQL, false).Aggregate(req); ok || err != nil {
		t.Fatalf("MAX(string) without StringKeys: ok=%v err=%v", ok, err)
	}
	top, ok, err := a.TopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 1, Desc: true}, {Column: 2}}, Limit: 3})
	if err != nil || !ok {
		t.Fatalf("TopN: ok=%v err=%v", ok, err)
	}
	if _, ok, _ := top.TopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 0}}, Limit: 1}); ok {
		t.Fatal("a second TopN must be refused")
	}
	if a.Order != nil || a.Limit != -1 {
		t.Fatal("TopN changed its receiver")
	}
	p, err := top.Plan(catalog.ScanRequest{Projection: []int{2, 0}, Limit: 10}, "`t`", []string{"`id` > 1"})
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT max(`s`), `id` FROM `t` WHERE `id` > 1 GROUP BY `id` ORDER BY count(*) IS NULL, count(*) DESC, max(`s`) IS NULL, max(`s`) LIMIT 3"
	if got := p.Query.SQL(sqlgen.MySQL); got != want || p.Limit != 3 || p.Schema.NumFields() != 2 || p.Schema.Field(0).Name != "max(s)" {
		t.Fatalf("plan:\n got %s (limit %d)\nwant %s", got, p.Limit, want)
	}
	if _, err := a.Plan(catalog.ScanRequest{Projection: []int{4}, Limit: -1}, "t", nil); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("projection out of range: %v", err)
	}
	if _, err := a.Plan(catalog.ScanRequest{Filters: []expr.Expr{col(0)}, Limit: -1}, "t", nil); !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("filters on an aggregate: %v", err)
	}
	// An empty projection of a global aggregate still reads its one row.
	g, ok, err := my.Aggregate(catalog.AggregateRequest{Aggs: []expr.AggregateCall{cnt}, Schema: arrow.NewSchema(schema.Fields()[1:2], nil)})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	p, err = g.Plan(catalog.ScanRequest{Projection: []int{}, Limit: -1}, "`t`", nil)
	if err != nil || p.Query.SQL(sqlgen.MySQL) != "SELECT count(*) FROM `t`" {
		t.Fatalf("global count plan: %v %v", p.Query.SQL(sqlgen.MySQL), err)
	}
}

func TestAggregateRefusals(t *testing.T) {
	pg := table(sqlgen.Postgres, false)
	one := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	for name, req := range map[string]catalog.AggregateRequest{
		"computed key":   {GroupBy: []expr.Expr{&expr.Literal{DataType: expr.TypeInt64, Value: int64(1)}}, Schema: one},
		"float key":      {GroupBy: []expr.Expr{col(2)}, Schema: arrow.NewSchema([]arrow.Field{{Name: "f", Type: arrow.PrimitiveTypes.Float64}}, nil)},
		"unreadable key": {GroupBy: []expr.Expr{col(3)}, Schema: one},
		"type mismatch":  {GroupBy: []expr.Expr{col(0)}, Schema: arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int32}}, nil)},
		"max NaN":        {Aggs: []expr.AggregateCall{{Func: expr.AggMax, Arg: col(2), DataType: arrow.PrimitiveTypes.Float64}}, Schema: arrow.NewSchema([]arrow.Field{{Name: "m", Type: arrow.PrimitiveTypes.Float64}}, nil)},
	} {
		if _, ok, err := pg.Aggregate(req); ok || err != nil {
			t.Errorf("%s: ok=%v err=%v, want refused", name, ok, err)
		}
	}
	if _, _, err := pg.Aggregate(catalog.AggregateRequest{GroupBy: []expr.Expr{col(0)}, Schema: arrow.NewSchema(nil, nil)}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("bad schema: %v", err)
	}
}

func TestIntSumOrdersByParts(t *testing.T) {
	lite := table(sqlgen.SQLite, false)
	sum := expr.AggregateCall{Func: expr.AggSum, Arg: col(0), DataType: &arrow.Decimal128Type{Precision: 38, Scale: 0}}
	a, ok, err := lite.Aggregate(catalog.AggregateRequest{Aggs: []expr.AggregateCall{sum}, GroupBy: []expr.Expr{col(0)},
		Schema: arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "sum(id)", Type: sum.DataType}}, nil)})
	if err != nil || !ok {
		t.Fatalf("SQLite SUM: ok=%v err=%v", ok, err)
	}
	if a.Outputs[1].Result != sqlgen.AggIntSumParts {
		t.Fatalf("result: %v", a.Outputs[1].Result)
	}
	top, ok, err := a.TopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 1, Desc: true}}, Limit: 2})
	if err != nil || !ok || len(top.Order) != 2 || !strings.Contains(top.Order[0].Expr, ">> 32") || !strings.Contains(top.Order[1].Expr, "& 4294967295") {
		t.Fatalf("order by an exact SUM: %+v ok=%v err=%v", top, ok, err)
	}
}

func TestExactDecimals(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true}}, nil)
	mk := func(exact bool) *Table {
		return &Table{Dialect: sqlgen.MySQL, What: "t", Schema: s, ExactDecimals: exact, Col: func(int) string { return "`d`" }}
	}
	req := catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 0}}, Limit: 1}
	if _, ok, _ := mk(false).TopN(req); ok {
		t.Fatal("decimal key without ExactDecimals must be refused")
	}
	if order, ok, err := mk(true).TopN(req); !ok || err != nil || len(order) != 1 {
		t.Fatalf("decimal key with ExactDecimals: %v %v %v", order, ok, err)
	}
	d := &expr.Column{Index: 0, Name: "d", DataType: s.Field(0).Type}
	agg := catalog.AggregateRequest{GroupBy: []expr.Expr{d}, Aggs: []expr.AggregateCall{{Func: expr.AggMax, Arg: d, DataType: d.DataType}},
		Schema: arrow.NewSchema([]arrow.Field{s.Field(0), {Name: "max(d)", Type: d.DataType, Nullable: true}}, nil)}
	if _, ok, _ := mk(false).Aggregate(agg); ok {
		t.Fatal("decimal group key without ExactDecimals must be refused")
	}
	a, ok, err := mk(true).Aggregate(agg)
	if !ok || err != nil || strings.Join(a.Items, ",") != "`d`,max(`d`)" {
		t.Fatalf("decimal aggregate with ExactDecimals: %+v %v %v", a, ok, err)
	}
}
