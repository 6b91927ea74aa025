package physopt_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/exec/logical"
	"github.com/quiverdb/quiver/exec/physical"
	"github.com/quiverdb/quiver/exec/physopt"
)

var (
	str = arrow.BinaryTypes.String
	bin = arrow.BinaryTypes.Binary
)

func collate(t *testing.T, p physical.Plan) (physical.Plan, bool) {
	t.Helper()
	out, changed, err := physopt.Collation{}.Rewrite(context.Background(), p, physopt.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := physopt.Validate(out); err != nil {
		t.Fatalf("rewritten plan invalid: %v\n%s", err, physical.Format(out))
	}
	again, changed2, err := physopt.Collation{}.Rewrite(context.Background(), out, physopt.Config{})
	if err != nil || changed2 || physical.Format(again) != physical.Format(out) {
		t.Fatalf("not idempotent (changed=%v err=%v):\n%s", changed2, err, physical.Format(again))
	}
	return out, changed
}

func sameSchema(t *testing.T, got, want *arrow.Schema) {
	t.Helper()
	if got.NumFields() != want.NumFields() {
		t.Fatalf("schema %s, want %s", got, want)
	}
	for i := range want.Fields() {
		if got.Field(i).Name != want.Field(i).Name || !arrow.TypeEqual(got.Field(i).Type, want.Field(i).Type) {
			t.Errorf("field %d: %s, want %s", i, got.Field(i), want.Field(i))
		}
	}
}

// A VARCHAR GROUP BY groups by WEIGHT_STRING and keeps the schema: the
// group value comes from ANY_VALUE through the SELECT-list projection.
func TestCollationAggregate(t *testing.T) {
	s := scanExec(t, 1, nil, nil, nil, -1)
	count, err := expr.NewAggregate(expr.AggCount, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	agg := &physical.HashAggregateExec{Input: s, GroupBy: []expr.Expr{col(0, "a", i64), col(1, "b", str)},
		GroupNames: []string{"a", "b"}, Aggs: []expr.AggregateCall{count}, AggNames: []string{"count(*)"}}
	out, changed := collate(t, agg)
	if !changed {
		t.Fatal("not changed")
	}
	sameSchema(t, out.Schema(), agg.Schema())
	want := `ProjectExec: a, b, CAST(sum(count(*)) AS BIGINT) AS count(*)
  HashAggregateExec: group_by=[a, weight_string(b)] aggs=[sum(count(*)), any_value(b)]
    HashAggregateExec: group_by=[a, b] aggs=[count(*)]
      ScanExec: test.public.t partitions=1
`
	if got := physical.Format(out); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// The SELECT list above absorbs the mapping.
	sel := &physical.ProjectExec{Input: agg, Exprs: []expr.Expr{col(2, "count(*)", i64), col(1, "b", str)}, Names: []string{"n", "b"}}
	out, _ = collate(t, sel)
	sameSchema(t, out.Schema(), sel.Schema())
	want = `ProjectExec: CAST(sum(count(*)) AS BIGINT) AS n, b
  HashAggregateExec: group_by=[a, weight_string(b)] aggs=[sum(count(*)), any_value(b)]
    HashAggregateExec: group_by=[a, b] aggs=[count(*)]
      ScanExec: test.public.t partitions=1
`
	if got := physical.Format(out); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	// AVG splits into SUM and COUNT; aggregates that do not decompose
	// (DISTINCT) group once, by key.
	avg, err := expr.NewAggregate(expr.AggAvg, col(0, "a", i64), false)
	if err != nil {
		t.Fatal(err)
	}
	distinct, err := expr.NewAggregate(expr.AggCount, col(0, "a", i64), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		call expr.AggregateCall
		want string
	}{
		{avg, `ProjectExec: b, sum(sum(a)) / sum(count(a)) AS avg(a)
  HashAggregateExec: group_by=[weight_string(b)] aggs=[sum(sum(a)), sum(count(a)), any_value(b)]
    HashAggregateExec: group_by=[b] aggs=[sum(a), count(a)]
      ScanExec: test.public.t partitions=1
`},
		{distinct, `ProjectExec: b, avg(a)
  HashAggregateExec: group_by=[weight_string(b)] aggs=[count(DISTINCT a), any_value(b)]
    ScanExec: test.public.t partitions=1
`},
	} {
		one := &physical.HashAggregateExec{Input: s, GroupBy: []expr.Expr{col(1, "b", str)}, GroupNames: []string{"b"},
			Aggs: []expr.AggregateCall{tc.call}, AggNames: []string{"avg(a)"}}
		out, _ = collate(t, one)
		sameSchema(t, out.Schema(), one.Schema())
		if got := physical.Format(out); got != tc.want {
			t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
		}
	}

	// Integer and VARBINARY keys are left alone.
	binAgg := &physical.HashAggregateExec{Input: &physical.ValuesExec{Out: arrow.NewSchema([]arrow.Field{{Name: "v", Type: bin}}, nil)},
		GroupBy: []expr.Expr{col(0, "v", bin)}, GroupNames: []string{"v"}}
	for _, p := range []physical.Plan{binAgg, &physical.HashAggregateExec{Input: s, GroupBy: []expr.Expr{col(0, "a", i64)}, GroupNames: []string{"a"}}} {
		if out, changed := collate(t, p); changed || out != p {
			t.Errorf("%s changed", p)
		}
	}
}

func TestCollationSortWindowJoin(t *testing.T) {
	s := scanExec(t, 1, nil, nil, nil, -1)
	sort := &physical.SortExec{Input: s, Keys: []logical.SortKey{{Expr: col(1, "b", str), Desc: true}, {Expr: col(0, "a", i64), NullsFirst: true}}, Fetch: 5}
	out, changed := collate(t, sort)
	if got := out.String(); !changed || got != "SortExec: weight_string(b) DESC, a ASC fetch=5" {
		t.Errorf("sort: %s", got)
	}
	sameSchema(t, out.Schema(), sort.Schema())

	rank, err := expr.NewWindowCall(expr.WinRank, nil, 0, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	win := &physical.WindowExec{Input: s, PartitionBy: []expr.Expr{col(1, "b", str), col(0, "a", i64)},
		OrderBy: []logical.SortKey{{Expr: col(1, "b", str), NullsFirst: true}}, Funcs: []expr.WindowCall{rank}, Names: []string{"r"}}
	out, changed = collate(t, win)
	if got := out.String(); !changed || !strings.Contains(got, "partition_by=[weight_string(b), a] order_by=[weight_string(b) ASC]") {
		t.Errorf("window: %s", got)
	}
	sameSchema(t, out.Schema(), win.Schema())

	strIn := &physical.ValuesExec{Out: arrow.NewSchema([]arrow.Field{{Name: "s", Type: str}, {Name: "v", Type: bin}}, nil)}
	join := &physical.HashJoinExec{Type: logical.JoinLeft, Left: s, Right: strIn, Keys: []logical.EquiKey{
		{Left: col(1, "b", str), Right: col(0, "s", str)},
		{Left: col(1, "b", str), Right: col(1, "v", bin)}, // VARCHAR = VARBINARY: bytewise
	}}
	out, changed = collate(t, join)
	if got := out.String(); !changed || !strings.Contains(got, "keys=[weight_string(b) = weight_string(s), b = v]") {
		t.Errorf("join: %s", got)
	}
	sameSchema(t, out.Schema(), join.Schema())
}

func TestCollationRuleLists(t *testing.T) {
	has := func(rules []physopt.Rule, name string) int {
		for i, r := range rules {
			if r.Name() == name {
				return i
			}
		}
		return -1
	}
	for _, rules := range [][]physopt.Rule{physopt.DefaultRules(), physopt.ValidationRules()} {
		c, b, s := has(rules, "Collation"), has(rules, "BooleanResults"), has(rules, "SanityCheck")
		if c < 0 || b < 0 || s != len(rules)-1 || c > s || b > s {
			t.Errorf("rules %v: Collation and BooleanResults must run before SanityCheck", rules)
		}
	}
}
