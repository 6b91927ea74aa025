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

// TestPushedPartitionsRoundTrip: a pushed TopN's and a pushed aggregate's
// partitions encode as metadata (the request, never SQL with values) and
// decode on another instance of the table (another node's catalog entry)
// into the same query; unknown versions and fields are ErrInvalid.
func TestPushedPartitionsRoundTrip(t *testing.T) {
	r := startRemote(t)
	tbl := openTable(t, r.config(), "items")
	other := openTable(t, r.config(), "items")
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
	data, err := tbl.EncodePartition(sc.Partitions()[0])
	must(t, err)
	p, err := other.DecodePartition(context.Background(), data)
	must(t, err)
	if got := strings.Join(readPartition(t, p), ","); got != "3|(null),1|a,6|a" && got != "3|(null),6|a,1|a" {
		t.Fatalf("decoded TopN rows %s (encoding %s)", got, data)
	}
	for _, bad := range []string{
		strings.Replace(string(data), `"nulls_first":true`, `"desc":true`, 1),
		strings.Replace(string(data), `"v":2`, `"v":1`, 1),
		strings.Replace(string(data), `"kind":"topn"`, `"kind":"topn","extra":[]`, 1),
	} {
		if _, err := other.DecodePartition(context.Background(), []byte(bad)); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("decoding %s: %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := top.Scan(context.Background(), catalog.ScanRequest{Projection: []int{9}, Limit: -1}); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("projection out of range: %v", err)
	}

	// A grouped aggregate with a TopN over its groups.
	s := itemsSchema
	key := &expr.Column{Index: 2, Name: "name", DataType: s.Field(2).Type}
	cnt, err := expr.NewAggregate(expr.AggCount, nil, false)
	must(t, err)
	agg, ok, err := tbl.PushAggregate(catalog.AggregateRequest{GroupBy: []expr.Expr{key}, Aggs: []expr.AggregateCall{cnt},
		Schema: arrow.NewSchema([]arrow.Field{s.Field(2), {Name: "c", Type: cnt.DataType}}, nil)})
	if err != nil || !ok {
		t.Fatalf("PushAggregate: ok=%v err=%v", ok, err)
	}
	aggTop, ok, err := agg.(catalog.TopNPushdowner).PushTopN(catalog.TopNRequest{Keys: []catalog.SortKey{{Column: 1, Desc: true}, {Column: 0}}, Limit: 2})
	if err != nil || !ok {
		t.Fatalf("PushTopN over the groups: ok=%v err=%v", ok, err)
	}
	sc, want := readAll(t, aggTop, catalog.ScanRequest{Projection: []int{1, 0}, Limit: -1})
	data, err = tbl.EncodePartition(sc.Partitions()[0])
	must(t, err)
	if !strings.Contains(string(data), `"kind":"aggregate"`) || !strings.Contains(string(data), `"func":"count"`) {
		t.Fatalf("encoding lacks the aggregate: %s", data)
	}
	p, err = other.DecodePartition(context.Background(), data)
	must(t, err)
	if got := readPartition(t, p); strings.Join(got, ",") != strings.Join(want, ",") || len(got) != 2 {
		t.Fatalf("decoded aggregate rows %v, want %v", got, want)
	}
	bad := strings.Replace(string(data), `"func":"count"`, `"func":"median"`, 1)
	if _, err := other.DecodePartition(context.Background(), []byte(bad)); !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "median") {
		t.Errorf("unknown aggregate function: %v", err)
	}
}

// readPartition reads one partition's rows like readAll.
func readPartition(t *testing.T, p catalog.Partition) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rr, err := p.Open(ctxT(t), mem)
	must(t, err)
	defer rr.Release()
	var rows []string
	for rr.Next() {
		b := rr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			var cells []string
			for c := 0; c < int(b.NumCols()); c++ {
				cells = append(cells, b.Column(c).ValueStr(i))
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
	}
	must(t, rr.Err())
	return rows
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
