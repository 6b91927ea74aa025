package flightsql_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/server"
	"github.com/quiverdb/quiver/sources/flightsql"
	qmem "github.com/quiverdb/quiver/sources/memory"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var itemsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

const itemsJSON = `[
 {"id": 1, "n": 10, "name": "a", "score": 1.5, "day": "2024-01-01", "amount": "12.50", "flag": true},
 {"id": 2, "n": null, "name": "it's", "score": -2.25, "day": "2024-02-01", "amount": "-3.00", "flag": false},
 {"id": 3, "n": 30, "name": null, "score": null, "day": null, "amount": null, "flag": null},
 {"id": 4, "n": -4, "name": "back\\slash", "score": 0.1, "day": "2023-12-31", "amount": "100.01", "flag": true},
 {"id": 5, "n": 50, "name": "E", "score": 1e20, "day": "2024-03-15", "amount": "0.00", "flag": false},
 {"id": 6, "n": 60, "name": "a", "score": 7, "day": "2024-01-01", "amount": "7.77", "flag": true},
 {"id": 7, "n": null, "name": "zz", "score": -0.5, "day": "2025-06-30", "amount": "99999999.99", "flag": null}
]`

// recorder wraps the remote's table and records what the remote engine
// pushed into it: proof of what SQL the remote received and planned.
type recorder struct {
	*qmem.Table
	mu    sync.Mutex
	scans []string
}

func (r *recorder) Scan(ctx context.Context, req catalog.ScanRequest) (catalog.Scan, error) {
	var parts []string
	for _, f := range req.Filters {
		parts = append(parts, f.String())
	}
	r.mu.Lock()
	r.scans = append(r.scans, "filters=["+strings.Join(parts, "; ")+"] limit="+itoa(req.Limit))
	r.mu.Unlock()
	return r.Table.Scan(ctx, req)
}

func (r *recorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.scans) == 0 {
		return ""
	}
	return r.scans[len(r.scans)-1]
}

func itoa(n int64) string {
	return (&expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: n}).String()
}

// remote is a real Quiver server on 127.0.0.1:0 serving demo.public.items
// (recorded) and a writable demo.scratch memory schema.
type remote struct {
	uri     string
	items   *recorder
	scratch *qmem.Schema
}

func startRemote(t *testing.T) *remote {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	rec, _, err := array.RecordFromJSON(mem, itemsSchema, strings.NewReader(itemsJSON))
	must(t, err)
	tbl, err := qmem.NewNamedTable("items", itemsSchema, rec)
	rec.Release()
	must(t, err)
	r := &remote{items: &recorder{Table: tbl}, scratch: qmem.NewSchema("scratch")}
	c := catalog.NewCatalog("demo")
	must(t, c.AddSchema("public", catalog.NewStatic(map[string]catalog.Table{"items": r.items})))
	must(t, c.AddSchema("scratch", r.scratch))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	srv, err := server.New(server.Config{
		Engine:         exec.New(exec.Config{Root: root}),
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		DefaultCatalog: "demo", DefaultSchema: "public",
		Allocator: mem,
	})
	must(t, err)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		r.scratch.Release()
		tbl.Release()
		mem.AssertSize(t, 0)
	})
	r.uri = "grpc://" + lis.Addr().String()
	return r
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (r *remote) config() flightsql.Config {
	return flightsql.Config{Name: "test.remote", URI: r.uri, Catalog: "demo", Schema: "public"}
}

func openTable(t testing.TB, cfg flightsql.Config, name string) *flightsql.Table {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tbl, err := flightsql.OpenTable(ctx, cfg, name)
	must(t, err)
	t.Cleanup(func() { _ = tbl.Close() })
	return tbl
}

func dec(s string) decimal128.Num {
	n, err := decimal128.FromString(s, 10, 2)
	if err != nil {
		panic(err)
	}
	return n
}

func harnessFilters(s *arrow.Schema) []expr.Expr {
	return []expr.Expr{
		sourcetest.Cmp(s, "id", expr.OpGt, 3),
		sourcetest.Cmp(s, "n", expr.OpLtEq, -1),
		sourcetest.Cmp(s, "score", expr.OpLt, 0.25),
		sourcetest.Cmp(s, "amount", expr.OpGtEq, dec("7.77")),
		sourcetest.Cmp(s, "day", expr.OpEq, arrow.Date32FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))),
		sourcetest.Cmp(s, "flag", expr.OpEq, true),
		sourcetest.Cmp(s, "name", expr.OpEq, "it's"),
		sourcetest.IsNull(s, "n", false),
		sourcetest.Or(sourcetest.Cmp(s, "id", expr.OpLt, 2), sourcetest.IsNull(s, "score", true)),
		&expr.In{Input: sourcetest.Col(s, "id"), List: []expr.Expr{sourcetest.Lit(arrow.PrimitiveTypes.Int64, 2), sourcetest.Lit(arrow.PrimitiveTypes.Int64, 6)}},
	}
}

func TestConformance(t *testing.T) {
	r := startRemote(t)
	var last *flightsql.Table
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			last = openTable(t, r.config(), "items")
			return last
		},
		Filters: harnessFilters(itemsSchema),
		IOCount: func() int64 { return last.Calls() },
	})
}

func TestConformanceThroughSchema(t *testing.T) {
	r := startRemote(t)
	var last *flightsql.Schema
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			ctx := context.Background()
			s, err := flightsql.OpenSchema(ctx, r.config())
			must(t, err)
			t.Cleanup(func() { _ = s.Close() })
			last = s
			tbl, err := s.Table(ctx, "ITEMS")
			must(t, err)
			return tbl
		},
		Filters: harnessFilters(itemsSchema)[:3],
		IOCount: func() int64 { return last.Calls() },
	})
}

func readAll(t *testing.T, tbl catalog.Table, req catalog.ScanRequest) (catalog.Scan, []string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sc, err := tbl.Scan(context.Background(), req)
	must(t, err)
	var rows []string
	for _, p := range sc.Partitions() {
		rr, err := p.Open(ctxT(t), mem)
		must(t, err)
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
		err = rr.Err()
		rr.Release()
		must(t, err)
	}
	return sc, rows
}

func TestPushdownReachesTheRemote(t *testing.T) {
	r := startRemote(t)
	tbl := openTable(t, r.config(), "items")
	s := itemsSchema
	filters := []expr.Expr{
		sourcetest.Cmp(s, "id", expr.OpGt, 3),
		sourcetest.IsNull(s, "score", true),
		sourcetest.Cmp(s, "name", expr.OpEq, "a"), // strings: MySQL collations differ
	}
	v, err := tbl.SupportsFilters(filters)
	must(t, err)
	if v[0] != catalog.FilterExact || v[1] != catalog.FilterExact || v[2] != catalog.FilterUnsupported {
		t.Fatalf("verdicts %v", v)
	}
	before := tbl.Calls()
	sc, rows := readAll(t, tbl, catalog.ScanRequest{Projection: []int{2, 0}, Filters: filters[:2], Limit: 2})
	want := "remote=" + r.uri + " sql=\"SELECT `name`, `id` FROM `demo`.`public`.`items` WHERE (`id` > 4) AND (`score` IS NOT NULL) LIMIT 2\""
	want = strings.Replace(want, "> 4", "> 3", 1)
	if d := sc.(interface{ Describe() string }).Describe(); d != want {
		t.Fatalf("Describe\n got %s\nwant %s", d, want)
	}
	if len(rows) != 2 || rows[0] != "back\\slash|4" || rows[1] != "E|5" {
		t.Fatalf("rows %q", rows)
	}
	// The remote planned exactly our SQL: both filters reached its table
	// scan, and so did the limit.
	if got := r.items.last(); !strings.Contains(got, "id > 3") || !strings.Contains(got, "score IS NOT NULL") {
		t.Fatalf("remote scan %s", got)
	}
	if tbl.Calls() <= before {
		t.Fatal("reading made no calls")
	}
}

func TestLiteralsSurviveTheRemoteParser(t *testing.T) {
	r := startRemote(t)
	tbl := openTable(t, r.config(), "items")
	s := itemsSchema
	day := arrow.Date32FromTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	cases := []struct {
		f    expr.Expr
		want string
	}{
		{sourcetest.Cmp(s, "n", expr.OpLt, -1), "4"},
		{sourcetest.Cmp(s, "score", expr.OpEq, 0.1), "4"},
		{sourcetest.Cmp(s, "score", expr.OpGt, 1e19), "5"},
		{sourcetest.Cmp(s, "amount", expr.OpLt, dec("-2.99")), "2"},
		{sourcetest.Cmp(s, "day", expr.OpEq, day), "1,6"},
		{sourcetest.Cmp(s, "flag", expr.OpEq, false), "2,5"},
		{sourcetest.Cmp(s, "id", expr.OpNullSafeEq, 7), "7"},
	}
	for _, c := range cases {
		v, err := tbl.SupportsFilters([]expr.Expr{c.f})
		must(t, err)
		if v[0] != catalog.FilterExact {
			t.Fatalf("%s: %v", c.f, v[0])
		}
		sc, rows := readAll(t, tbl, catalog.ScanRequest{Projection: []int{0}, Filters: []expr.Expr{c.f}, Limit: -1})
		if got := strings.Join(rows, ","); got != c.want {
			t.Errorf("%s (%s): rows %s, want %s", c.f, sc.(interface{ Describe() string }).Describe(), got, c.want)
		}
	}
}

// EXPLAIN on the local engine shows the SQL sent to the remote.
func TestExplainShowsRemoteSQL(t *testing.T) {
	r := startRemote(t)
	ctx := ctxT(t)
	sch, err := flightsql.OpenSchema(ctx, r.config())
	must(t, err)
	defer sch.Close()
	c := catalog.NewCatalog("far")
	must(t, c.AddSchema("public", sch))
	root := catalog.NewRoot()
	must(t, root.Add(c))
	eng := exec.New(exec.Config{Root: root})
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	st, err := eng.Prepare(ctx, catalog.Options{Catalog: "far", Schema: "public"}, "EXPLAIN SELECT id FROM items WHERE id >= 5 LIMIT 1")
	must(t, err)
	rr, err := st.Execute(ctx, mem, nil)
	must(t, err)
	defer rr.Release()
	var plan []string
	for rr.Next() {
		b := rr.RecordBatch()
		for i := 0; i < int(b.NumRows()); i++ {
			plan = append(plan, b.Column(0).ValueStr(i))
		}
	}
	must(t, rr.Err())
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "SELECT `id` FROM `demo`.`public`.`items` WHERE (`id` >= 5) LIMIT 1") {
		t.Fatalf("EXPLAIN does not show the remote SQL:\n%s", text)
	}
}

func freePortURI(t *testing.T) string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := lis.Addr().String()
	must(t, lis.Close())
	return "grpc://" + addr
}

func TestUnreachableRemote(t *testing.T) {
	uri := freePortURI(t)
	cfg := flightsql.Config{Name: "catalogs.x.schemas.y", URI: uri, Schema: "public"}
	_, err := flightsql.OpenSchema(ctxT(t), cfg)
	if !errors.Is(err, errs.ErrUnavailable) || !strings.Contains(err.Error(), uri) || !strings.Contains(err.Error(), "catalogs.x.schemas.y") {
		t.Fatalf("OpenSchema: %v", err)
	}
	_, err = flightsql.OpenTable(ctxT(t), cfg, "t")
	if !errors.Is(err, errs.ErrUnavailable) || !strings.Contains(err.Error(), uri) {
		t.Fatalf("OpenTable: %v", err)
	}
}

func TestRemoteGoesAwayAfterPlanning(t *testing.T) {
	r := startRemote(t)
	ctx := ctxT(t)
	tmp := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	must(t, r.scratch.CreateTable(ctx, "gone", tmp, false))
	cfg := r.config()
	cfg.Schema = "scratch"
	sch, err := flightsql.OpenSchema(ctx, cfg)
	must(t, err)
	defer sch.Close()
	names, err := sch.TableNames(ctx)
	must(t, err)
	if strings.Join(names, ",") != "gone" {
		t.Fatalf("names %v", names)
	}
	tbl, err := sch.Table(ctx, "gone")
	must(t, err)
	sc, err := tbl.Scan(ctx, catalog.ScanRequest{Limit: -1})
	must(t, err)
	must(t, r.scratch.DropTable(ctx, "gone", false))
	_, err = sc.Partitions()[0].Open(ctx, memory.NewGoAllocator())
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("dropped table: %v", err)
	}
	if _, err := sch.Table(ctx, "nope"); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("unknown table: %v", err)
	}
}

// Bind mode sends values as prepared-statement parameters, which Quiver
// binds.
func TestBindModeUsesParameters(t *testing.T) {
	r := startRemote(t)
	cfg := r.config()
	cfg.Params = flightsql.ParamsBind
	tbl := openTable(t, cfg, "items")
	f := sourcetest.Cmp(itemsSchema, "id", expr.OpGt, 3)
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: []expr.Expr{f}, Limit: -1, Projection: []int{0}})
	must(t, err)
	d := sc.(interface{ Describe() string }).Describe()
	if !strings.Contains(d, "WHERE (`id` > ?)") || !strings.Contains(d, "params=[3]") {
		t.Fatalf("Describe %s", d)
	}
	// Quiver binds prepared-statement parameters: the remote filters.
	_, rows := readAll(t, tbl, catalog.ScanRequest{Filters: []expr.Expr{f}, Limit: -1, Projection: []int{0}})
	if got := strings.Join(rows, ","); got != "4,5,6,7" {
		t.Fatalf("bind on Quiver: rows %s", got)
	}
	if got := r.items.last(); !strings.Contains(got, "id > 3") {
		t.Fatalf("remote scan %s", got)
	}
	// Without values there is nothing to bind: a plain query.
	_, rows = readAll(t, tbl, catalog.ScanRequest{Projection: []int{0}, Limit: 2})
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
}

func TestFactoryOptions(t *testing.T) {
	f := flightsql.Factory()
	ctx := context.Background()
	for _, c := range []struct {
		vals map[string]any
		want string
	}{
		{map[string]any{}, "cfg.uri"},
		{map[string]any{"uri": "http://x:1"}, "scheme"},
		{map[string]any{"uri": "grpc://x:1", "dialect": "oracle"}, "cfg.dialect"},
		{map[string]any{"uri": "grpc://x:1", "parameters": "maybe"}, "cfg.parameters"},
		{map[string]any{"uri": "grpc://x:1", "headers": "x"}, "cfg.headers"},
		{map[string]any{"uri": "grpc://x:1", "headers": map[string]any{"authorization": "Bearer ${QUIVER_TEST_UNSET_VAR}"}}, "QUIVER_TEST_UNSET_VAR"},
		{map[string]any{"uri": "grpc://x:1", "colour": "blue"}, "colour"},
	} {
		_, err := f.Schema(ctx, catalog.ProviderOptions{Path: "cfg", Values: c.vals})
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v", c.vals, err)
		}
	}
	_, err := f.Table(ctx, catalog.ProviderOptions{Path: "cfg", Values: map[string]any{"uri": "grpc://x:1"}})
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "cfg.table") {
		t.Errorf("missing table: %v", err)
	}
}

func TestFactoryWithHeaders(t *testing.T) {
	r := startRemote(t)
	t.Setenv("QUIVER_TEST_TOKEN", "s3cret")
	sch, err := flightsql.Factory().Schema(context.Background(), catalog.ProviderOptions{Path: "cfg", Values: map[string]any{
		"uri": r.uri, "catalog": "demo", "schema": "public", "dialect": "mysql",
		"headers": map[string]any{"Authorization": "Bearer ${QUIVER_TEST_TOKEN}"},
	}})
	must(t, err)
	defer sch.(io.Closer).Close()
	names, err := sch.TableNames(context.Background())
	must(t, err)
	if strings.Join(names, ",") != "items" {
		t.Fatalf("names %v", names)
	}
}

// A fragment whose SQL was altered (to send other SQL to the remote) is
// refused: decoding re-plans the scan and the SQL must match.
func TestDecodeRefusesForgedSQL(t *testing.T) {
	r := startRemote(t)
	tbl := openTable(t, r.config(), "items")
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: []expr.Expr{sourcetest.Cmp(itemsSchema, "id", expr.OpGt, 3)}, Limit: -1})
	must(t, err)
	enc, err := tbl.EncodePartition(sc.Partitions()[0])
	must(t, err)
	if !strings.Contains(string(enc), "SELECT") {
		t.Fatalf("encoding has no SQL: %s", enc)
	}
	forged := strings.Replace(string(enc), "SELECT", "DELETE FROM items; SELECT", 1)
	if _, err := tbl.DecodePartition(context.Background(), []byte(forged)); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("forged SQL: %v", err)
	}
	if _, err := tbl.DecodePartition(context.Background(), enc); err != nil {
		t.Fatalf("genuine encoding: %v", err)
	}
}

func TestStatisticsFromRemoteCounts(t *testing.T) {
	r := startRemote(t)
	tbl := openTable(t, r.config(), "items")
	st, err := tbl.Statistics(context.Background())
	must(t, err)
	if st.NumRows.Precision != catalog.Absent {
		t.Fatalf("without count_rows: %+v", st.NumRows)
	}
	cfg := r.config()
	cfg.CountRows = true
	tbl = openTable(t, cfg, "items")
	calls := tbl.Calls()
	st, err = tbl.Statistics(context.Background())
	must(t, err)
	// Quiver answers total_records = -1 for a table scan: still Absent.
	if st.NumRows.Precision != catalog.Absent {
		t.Fatalf("with count_rows, remote reports -1: %+v", st.NumRows)
	}
	if _, err := tbl.Statistics(context.Background()); err != nil || tbl.Calls() != calls+1 {
		t.Fatalf("the count is not cached: %d calls", tbl.Calls()-calls)
	}
}
