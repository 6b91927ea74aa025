package flightsql_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/flightsql"
	"github.com/quiverdb/quiver/sources/internal/sqlpush/pushtest"
)

var farOpts = catalog.Options{Catalog: "far", Schema: "public"}

// TestPushdownMatchesEngine runs ORDER BY + LIMIT and GROUP BY queries on a
// remote Quiver with pushdown (optimizer on) and without (the local engine
// does everything), requires identical answers, and checks in EXPLAIN
// which SQL went to the remote.
func TestPushdownMatchesEngine(t *testing.T) {
	r := startRemote(t)
	sch, err := flightsql.OpenSchema(ctxT(t), r.config())
	must(t, err)
	defer sch.Close()
	on, off := pushtest.Engines(t, "far", "public", sch)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	pushtest.Check(t, on, off, farOpts, []pushtest.Case{
		{SQL: "SELECT id, n FROM items ORDER BY n, id LIMIT 3", Ordered: true, Explain: "ORDER BY `n` IS NULL DESC, `n`, `id` IS NULL DESC, `id` LIMIT 3"},
		{SQL: "SELECT id, n FROM items ORDER BY n DESC, id LIMIT 2 OFFSET 1", Ordered: true, Explain: "ORDER BY `n` IS NULL, `n` DESC, `id` IS NULL DESC, `id` LIMIT 3"},
		{SQL: "SELECT id, name FROM items WHERE id > 1 ORDER BY name DESC, id LIMIT 4", Ordered: true, Explain: "WHERE (`id` > 1) ORDER BY `name` IS NULL, `name` DESC"},
		{SQL: "SELECT id, score, day FROM items ORDER BY score, day DESC LIMIT 5", Ordered: true, Explain: "ORDER BY `score`"},
		{SQL: "SELECT name, count(*), sum(n), avg(n), min(day), max(score), sum(amount), avg(amount) FROM items GROUP BY name", Explain: "GROUP BY `name`"},
		{SQL: "SELECT flag, count(DISTINCT name), min(name), max(id) FROM items WHERE id > 1 GROUP BY flag", Explain: "WHERE (`id` > 1) GROUP BY `flag`"},
		{SQL: "SELECT name, count(*) AS c FROM items GROUP BY name ORDER BY c DESC, name LIMIT 2", Ordered: true, Explain: "GROUP BY `name` ORDER BY"},
		{SQL: "SELECT count(*), sum(id), avg(score) FROM items", Explain: "SELECT count(*), sum(`id`), avg(`score`) FROM"},
		{SQL: "SELECT DISTINCT day FROM items", Explain: "GROUP BY `day`"},
		{SQL: "SELECT amount, count(*), min(amount) FROM items GROUP BY amount ORDER BY amount DESC LIMIT 3", Ordered: true, Explain: "GROUP BY `amount` ORDER BY `amount` IS NULL, `amount` DESC LIMIT 3"},
		{SQL: "SELECT id, amount FROM items ORDER BY amount, id LIMIT 4", Ordered: true, Explain: "ORDER BY `amount` IS NULL DESC, `amount`"},
		{SQL: "SELECT n + 1, count(*) FROM items GROUP BY n + 1"},                         // computed key
		{SQL: "SELECT id FROM items WHERE name = 'a' ORDER BY id LIMIT 1", Ordered: true}, // an inexact filter: nothing pushed
	}, mem)
}

// TestPushedPartitionsAreNotEncoded: the codec describes plain scans; a
// pushed TopN or aggregate refuses to be shipped instead of being
// re-planned as something else, and says so with ErrNotImplemented.
func TestPushedPartitionsAreNotEncoded(t *testing.T) {
	r := startRemote(t)
	tbl := openTable(t, r.config(), "items")
	top, ok, err := tbl.PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 2, NullsFirst: true}}, Limit: 3})
	if err != nil || !ok {
		t.Fatalf("PushTopN: ok=%v err=%v", ok, err)
	}
	sc, rows := readAll(t, top, catalog.ScanRequest{Projection: []int{0, 2}, Limit: -1})
	if got := strings.Join(rows, ","); got != "3|(null),1|a,6|a" && got != "3|(null),6|a,1|a" {
		t.Fatalf("rows %s", got)
	}
	if d := sc.(interface{ Describe() string }).Describe(); !strings.Contains(d, "ORDER BY `name` IS NULL DESC, `name` LIMIT 3") {
		t.Fatalf("Describe: %s", d)
	}
	if _, err := tbl.EncodePartition(sc.Partitions()[0]); !errors.Is(err, errs.ErrNotImplemented) {
		t.Fatalf("encoding a pushed TopN partition: %v", err)
	}
	if _, err := top.Scan(context.Background(), catalog.ScanRequest{Projection: []int{9}, Limit: -1}); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("projection out of range: %v", err)
	}
}

// TestPushdownSQLPerDialect: the pushed SQL follows the configured
// dialect's rules (rendering only: Scan does no I/O, so the remote need
// not understand it).
func TestPushdownSQLPerDialect(t *testing.T) {
	r := startRemote(t)
	s := itemsSchema
	col := func(name string) *expr.Column {
		i := s.FieldIndices(name)[0]
		return &expr.Column{Index: i, Name: name, DataType: s.Field(i).Type}
	}
	aggReq := func(key string, fn expr.AggFunc, arg string) catalog.AggregateRequest {
		call, err := expr.NewAggregate(fn, col(arg), false)
		must(t, err)
		return catalog.AggregateRequest{GroupBy: []expr.Expr{col(key)}, Aggs: []expr.AggregateCall{call},
			Schema: arrow.NewSchema([]arrow.Field{s.Field(col(key).Index), {Name: "a", Type: call.DataType, Nullable: true}}, nil)}
	}
	describe := func(tbl catalog.Table) string {
		t.Helper()
		sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
		must(t, err)
		return sc.(interface{ Describe() string }).Describe()
	}
	score, name := col("score").Index, col("name").Index

	cfg := r.config()
	cfg.Dialect = "postgres"
	pg := openTable(t, cfg, "items")
	top, ok, err := pg.PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: score, NullsFirst: true}}, Limit: 2})
	if err != nil || !ok {
		t.Fatalf("postgres TopN on a float: ok=%v err=%v", ok, err)
	}
	if d := describe(top); !strings.Contains(d, `ORDER BY (\"score\" = 'NaN'::float8) DESC NULLS FIRST, \"score\" NULLS FIRST LIMIT 2`) {
		t.Errorf("postgres TopN: %s", d)
	}
	if _, ok, err := pg.PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: name}}, Limit: 2}); ok || err != nil {
		t.Errorf("postgres TopN on a string: ok=%v err=%v, want refused (collation)", ok, err)
	}
	agg, ok, err := pg.PushAggregate(aggReq("n", expr.AggSum, "amount"))
	if err != nil || !ok {
		t.Fatalf("postgres SUM(decimal): ok=%v err=%v", ok, err)
	}
	if d := describe(agg); !strings.Contains(d, `CAST(sum(\"amount\") AS numeric(`) || !strings.Contains(d, `GROUP BY \"n\"`) {
		t.Errorf("postgres aggregate: %s", d)
	}
	if _, ok, err := pg.PushAggregate(aggReq("name", expr.AggCount, "id")); ok || err != nil {
		t.Errorf("postgres string key: ok=%v err=%v, want refused", ok, err)
	}

	cfg.Dialect = "sqlite"
	lite := openTable(t, cfg, "items")
	if _, ok, err := lite.PushAggregate(aggReq("n", expr.AggSum, "id")); ok || err != nil {
		t.Errorf("sqlite SUM(int) (two 64-bit parts, not read over Flight SQL): ok=%v err=%v, want refused", ok, err)
	}
	agg, ok, err = lite.PushAggregate(aggReq("n", expr.AggMax, "score"))
	if err != nil || !ok {
		t.Fatalf("sqlite MAX(float): ok=%v err=%v", ok, err)
	}
	if d := describe(agg); !strings.Contains(d, `SELECT \"n\", max(\"score\") FROM`) {
		t.Errorf("sqlite aggregate: %s", d)
	}
}
