package optimizer_test

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
	"github.com/quiverdb/quiver/exec/optimizer"
)

// remoteTable is a pushTable that also takes TopN and aggregates, except
// on string columns (as a SQL source must refuse them: collation). It
// records what it was asked.
type remoteTable struct {
	pushTable
	topN    []catalog.TopNRequest
	aggs    []catalog.AggregateRequest
	badAggs bool // answer with a wrong schema
}

// pushedTable is what remoteTable returns: a marker with a schema.
type pushedTable struct {
	metaTable
	what string
}

func (t *remoteTable) PushTopN(req catalog.TopNRequest) (catalog.Table, bool, error) {
	t.topN = append(t.topN, req)
	for _, k := range req.Keys {
		if t.schema.Field(k.Column).Type.ID() == arrow.STRING {
			return nil, false, nil
		}
	}
	return &pushedTable{metaTable: t.metaTable, what: "topn"}, true, nil
}

func (t *remoteTable) PushAggregate(req catalog.AggregateRequest) (catalog.Table, bool, error) {
	t.aggs = append(t.aggs, req)
	for _, g := range req.GroupBy {
		if g.Type().ID() == arrow.STRING {
			return nil, false, nil
		}
	}
	if t.badAggs {
		return &pushedTable{metaTable: t.metaTable, what: "agg"}, true, nil
	}
	return &pushedTable{metaTable: metaTable{req.Schema}, what: "agg"}, true, nil
}

var (
	_ catalog.TopNPushdowner      = (*remoteTable)(nil)
	_ catalog.AggregatePushdowner = (*remoteTable)(nil)
)

func remoteRoot(t *testing.T) (*catalog.Root, *remoteTable) {
	t.Helper()
	var asked []string
	base := testRoot(&asked)
	cols := []arrow.Field{
		field("id", arrow.PrimitiveTypes.Int64),
		field("day", arrow.PrimitiveTypes.Int32),
		field("amount", arrow.PrimitiveTypes.Float64),
		field("region", arrow.BinaryTypes.String),
		field("note", arrow.BinaryTypes.String),
	}
	rt := &remoteTable{pushTable: pushTable{metaTable: metaTable{arrow.NewSchema(cols, nil)}, asked: &asked}}
	c, err := base.Catalog("demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddSchema("remote", catalog.NewStatic(map[string]catalog.Table{"r": rt})); err != nil {
		t.Fatal(err)
	}
	return base, rt
}

// scans returns every Scan of p, depth first.
func scans(p logical.Plan) []*logical.Scan {
	var out []*logical.Scan
	if s, ok := p.(*logical.Scan); ok {
		out = append(out, s)
	}
	for _, c := range p.Children() {
		out = append(out, scans(c)...)
	}
	return out
}

func optimizeChecked(t *testing.T, root *catalog.Root, sql string) logical.Plan {
	t.Helper()
	plan := build(t, root, sql)
	opt, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if !arrowSchemaEqual(plan.Schema(), opt.Schema()) {
		t.Fatalf("%s: schema changed from %s to %s", sql, plan.Schema(), opt.Schema())
	}
	for _, r := range optimizer.DefaultRules() {
		if _, changed, err := r.Rewrite(context.Background(), opt); err != nil || changed {
			t.Errorf("%s: rule %s on an optimized plan: changed=%v err=%v", sql, r.Name(), changed, err)
		}
	}
	return opt
}

func TestTopNPushdown(t *testing.T) {
	root, rt := remoteRoot(t)
	opt := optimizeChecked(t, root, "SELECT id, amount FROM remote.r WHERE day > 3 ORDER BY amount DESC, id LIMIT 5 OFFSET 2")
	want := `Limit: offset=2 count=5
  Sort: amount DESC, id ASC
    Project: id, amount
      Scan: demo.remote.r projection=[id, amount] full_filters=[day > 3] limit=7`
	if got := format(opt); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	s := scans(opt)[0]
	if pt, ok := s.Table.(*pushedTable); !ok || pt.what != "topn" {
		t.Fatalf("scan reads %T, want the pushed table", s.Table)
	}
	if len(rt.topN) != 1 {
		t.Fatalf("asked %d times, want once", len(rt.topN))
	}
	req := rt.topN[0]
	wantKeys := []catalog.SortKey{{Column: 2, Desc: true, NullsFirst: false}, {Column: 0, Desc: false, NullsFirst: true}}
	if req.Limit != 7 || len(req.Keys) != 2 || req.Keys[0] != wantKeys[0] || req.Keys[1] != wantKeys[1] {
		t.Fatalf("request %+v, want keys %+v limit 7", req, wantKeys)
	}

	// Through a projection that renames and computes.
	opt = optimizeChecked(t, root, "SELECT amount AS a, id + 1 AS n FROM remote.r ORDER BY a LIMIT 3")
	if s := scans(opt)[0]; s.Limit != 3 {
		t.Fatalf("through a projection: not pushed\n%s", format(opt))
	}
	if k := rt.topN[len(rt.topN)-1].Keys[0]; k.Column != 2 || k.Desc || !k.NullsFirst {
		t.Fatalf("key %+v, want amount ASC NULLS FIRST", k)
	}
}

func TestTopNNotPushed(t *testing.T) {
	for _, sql := range []string{
		"SELECT id FROM remote.r ORDER BY region LIMIT 3",                   // the table refuses strings
		"SELECT id FROM remote.r WHERE note LIKE 'a%' ORDER BY id LIMIT 3",  // Inexact filter
		"SELECT id FROM remote.r WHERE day + id > 3 ORDER BY id LIMIT 3",    // Unsupported filter
		"SELECT id FROM remote.r ORDER BY id + 1 LIMIT 3",                   // key is not a column
		"SELECT id FROM remote.r ORDER BY id",                               // no limit
		"SELECT id, count(*) FROM remote.r GROUP BY id ORDER BY id LIMIT 2", // aggregate in the way (pushed itself)
	} {
		root, _ := remoteRoot(t)
		opt := optimizeChecked(t, root, sql)
		for _, s := range scans(opt) {
			if pt, ok := s.Table.(*pushedTable); ok && pt.what == "topn" {
				t.Errorf("%s: TopN pushed\n%s", sql, format(opt))
			}
		}
	}
}

func TestAggregatePushdown(t *testing.T) {
	root, rt := remoteRoot(t)
	opt := optimizeChecked(t, root, "SELECT day, count(*) AS n, sum(id), max(amount) FROM remote.r WHERE amount > 1 GROUP BY day HAVING count(*) > 2")
	ss := scans(opt)
	if len(ss) != 1 {
		t.Fatalf("want one scan\n%s", format(opt))
	}
	pt, ok := ss[0].Table.(*pushedTable)
	if !ok || pt.what != "agg" {
		t.Fatalf("aggregate not pushed\n%s", format(opt))
	}
	if strings.Contains(format(opt), "Aggregate") {
		t.Fatalf("the engine's aggregate stayed\n%s", format(opt))
	}
	if !strings.Contains(format(opt), "Filter:") {
		t.Fatalf("HAVING must stay in the engine\n%s", format(opt))
	}
	req := rt.aggs[len(rt.aggs)-1]
	if len(req.Filters) != 1 || req.Filters[0].String() != "amount > 1" {
		t.Fatalf("filters %v, want [amount > 1]", req.Filters)
	}
	if c, ok := req.GroupBy[0].(*expr.Column); !ok || c.Index != 1 {
		t.Fatalf("group by %v, want table column 1 (day)", req.GroupBy)
	}
	if len(req.Aggs) != 3 || req.Aggs[0].Arg != nil || req.Aggs[1].Arg.(*expr.Column).Index != 0 || req.Aggs[2].Arg.(*expr.Column).Index != 2 {
		t.Fatalf("aggregates %v bound wrong", req.Aggs)
	}
	if req.Schema.NumFields() != 4 || req.Schema.Field(1).Name != "count(*)" {
		t.Fatalf("schema %v", req.Schema)
	}

	// String group keys are refused by the table: the engine aggregates.
	opt = optimizeChecked(t, root, "SELECT region, count(*) FROM remote.r GROUP BY region")
	if !strings.Contains(format(opt), "Aggregate") {
		t.Fatalf("refused aggregate vanished\n%s", format(opt))
	}
	// An Unsupported filter keeps the aggregate in the engine (not asked).
	before := len(rt.aggs)
	opt = optimizeChecked(t, root, "SELECT day, count(*) FROM remote.r WHERE day + id > 3 GROUP BY day")
	if !strings.Contains(format(opt), "Aggregate") || len(rt.aggs) != before {
		t.Fatalf("aggregate over an unsupported filter was offered\n%s", format(opt))
	}
	// A global aggregate, then a TopN over the pushed aggregate is not
	// attempted (the pushed table has no TopN ability).
	opt = optimizeChecked(t, root, "SELECT count(*), min(day) FROM remote.r")
	if strings.Contains(format(opt), "Aggregate") {
		t.Fatalf("global aggregate not pushed\n%s", format(opt))
	}
}

func TestAggregatePushdownSchemaChecked(t *testing.T) {
	root, rt := remoteRoot(t)
	rt.badAggs = true
	plan := build(t, root, "SELECT day, count(*) FROM remote.r GROUP BY day")
	_, err := optimizer.Optimize(context.Background(), plan, optimizer.DefaultRules())
	if !errors.Is(err, errs.ErrInternal) || !strings.Contains(err.Error(), "PushAggregate") {
		t.Fatalf("wrong schema from a provider: %v", err)
	}
}
