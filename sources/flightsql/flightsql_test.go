package flightsql_test

import (
	"context"
	_ "errors"
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
	_ "github.com/quiverdb/quiver/errs"
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

func itoa(n int64) string { return (&expr.Literal{DataType: arrow.PrimitiveTypes.Int64, Value: n}).String() }

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
