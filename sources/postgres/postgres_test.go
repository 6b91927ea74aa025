package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

// createKitTable creates a table of n rows covering every mapped type,
// with NULLs and mixed-case strings, and ANALYZEs it so the provider sees statistics and splits it.
func createKitTable(t testing.TB, s *Schema, name string, n int) {
	t.Helper()
	q := quoteIdent(name)
	execSQL(t, s, `CREATE TABLE `+q+` (
		id int8 NOT NULL, small int2, i4 int4, name text, amount numeric(12,2), f8 float8, f4 float4,
		day date, ts timestamp, tstz timestamptz, ok bool, b bytea, tm time, u uuid, j jsonb,
		v varchar(10), c char(4), big numeric)`)
	execSQL(t, s, fmt.Sprintf(`INSERT INTO %s SELECT g, (g %% 100)::int2,
		CASE WHEN g %% 7 = 0 THEN NULL ELSE g * 3 END,
		CASE WHEN g %% 5 = 3 THEN NULL WHEN g %% 11 = 0 THEN 'N' || (g %% 7) ELSE 'n' || (g %% 7) END,
		CASE WHEN g %% 13 = 0 THEN NULL ELSE (g * 1.25 - 500)::numeric(12,2) END,
		g * 0.5, (g %% 10)::float4 / 4,
		date '2024-01-01' + (g %% 30), timestamp '2024-01-01 00:00:00' + g * interval '1 minute 0.25 second',
		timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour',
		CASE WHEN g %% 3 = 0 THEN NULL ELSE g %% 2 = 0 END,
		decode(lpad(to_hex(g), 4, '0'), 'hex'), time '00:00' + g * interval '1.5 second',
		md5(g::text)::uuid, jsonb_build_object('g', g), 'v' || g, CASE WHEN g %% 2 = 0 THEN 'ab' ELSE 'abcd' END,
		g / 7.0
		FROM generate_series(1, %d) g`, q, n))
	execSQL(t, s, `ANALYZE `+q)
}

func kitFilters(sch *arrow.Schema) []expr.Expr {
	amountType := sch.Field(sch.FieldIndices("amount")[0]).Type
	return []expr.Expr{
		sourcetest.Cmp(sch, "id", expr.OpGt, 1500),
		sourcetest.Cmp(sch, "name", expr.OpEq, "n3"),
		sourcetest.And(sourcetest.Cmp(sch, "small", expr.OpLt, 20), sourcetest.IsNull(sch, "name", false)),
		sourcetest.Or(sourcetest.Cmp(sch, "i4", expr.OpLtEq, 300), sourcetest.IsNull(sch, "ok", false)),
		&expr.Binary{Op: expr.OpLt, Left: sourcetest.Col(sch, "amount"), Right: sourcetest.Lit(amountType, decimal128.FromI64(10050)), DataType: arrow.FixedWidthTypes.Boolean},
		sourcetest.Cmp(sch, "day", expr.OpGtEq, arrow.Date32(19723+20)),
		sourcetest.Cmp(sch, "ts", expr.OpLt, arrow.Timestamp(1704067200_000000+600_000000)),
		sourcetest.Cmp(sch, "ok", expr.OpEq, true),
		sourcetest.Cmp(sch, "f8", expr.OpLtEq, 100.0),
		sourcetest.Cmp(sch, "c", expr.OpEq, "ab"),
		sourcetest.Cmp(sch, "u", expr.OpEq, "c4ca4238-a0b9-2382-0dcc-509a6f75849b"),
		&expr.In{Input: sourcetest.Col(sch, "id"), List: []expr.Expr{
			sourcetest.Lit(arrow.PrimitiveTypes.Int64, 1), sourcetest.Lit(arrow.PrimitiveTypes.Int64, 2),
			sourcetest.Lit(arrow.PrimitiveTypes.Int64, 77), sourcetest.Lit(arrow.PrimitiveTypes.Int64, 99999)}},
		&expr.Like{Input: sourcetest.Col(sch, "name"), Pattern: sourcetest.Lit(arrow.BinaryTypes.String, "n1%")},
		// Unconstrained numeric is read rounded: never pushed.
		&expr.IsNull{Input: sourcetest.Col(sch, "big")},
	}
}

func TestConformance(t *testing.T) {
	s := openSchema(t, testConfig())
	// One remote table; every Harness.New resolves it afresh (a new Table,
	// as another node's catalog entry would), so decoded partitions find
	// the table they name. Insert, the kit's last check, may change it.
	name := uniqueName("kit")
	createKitTable(t, s, name, 3000)
	t.Cleanup(func() { execSQL(t, s, "DROP TABLE IF EXISTS "+quoteIdent(name)) })
	probe, err := s.Table(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			tbl, err := s.Table(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			return tbl
		},
		Filters: kitFilters(probe.Schema()),
		IOCount: s.src.queries.Load,
		Limits:  []int64{0, 1, 2, 3, 100, 2999, 3000, 3005},
	})
}

func TestSchemaMapping(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("types")
	createKitTable(t, s, name, 5)
	// A type without a native mapping is read through ::text.
	execSQL(t, s, "ALTER TABLE "+quoteIdent(name)+" ADD COLUMN pt point")
	execSQL(t, s, "UPDATE "+quoteIdent(name)+" SET pt = point(id, -id)")
	tbl, err := s.Table(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"id: type=int64", "small: type=int16, nullable", "i4: type=int32, nullable", "name: type=utf8, nullable",
		"amount: type=decimal(12, 2), nullable", "f8: type=float64, nullable", "f4: type=float32, nullable",
		"day: type=date32, nullable", "ts: type=timestamp[us], nullable", "tstz: type=timestamp[us, tz=UTC], nullable",
		"ok: type=bool, nullable", "b: type=binary, nullable", "tm: type=time64[us], nullable", "u: type=utf8, nullable",
		"j: type=utf8, nullable", "v: type=utf8, nullable", "c: type=utf8, nullable", "big: type=decimal(38, 10), nullable",
		"pt: type=utf8, nullable",
	}
	fs := tbl.Schema().Fields()
	if len(fs) != len(want) {
		t.Fatalf("schema %s, want %d fields", tbl.Schema(), len(want))
	}
	for i, f := range fs {
		if got := f.String(); got != want[i] {
			t.Errorf("field %d: %s, want %s", i, got, want[i])
		}
	}
	mem := newMem(t)
	rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1, Projection: []int{0, 4, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18}}, mem)
	wantRow := `1 | -498.75 | 2024-01-02 | 2024-01-01T00:01:00.25 | 2024-01-01T01:00:00Z | x'0001' | 00:00:01.500000 | "c4ca4238-a0b9-2382-0dcc-509a6f75849b" | "{\"g\": 1}" | "abcd" | 0.1428571429 | "(1,-1)"`
	found := false
	for _, r := range rows {
		if r == wantRow {
			found = true
		}
	}
	if !found {
		t.Errorf("row 1 not read as expected:\n got %s\nwant %s", rows, wantRow)
	}
	// Filters on a text-read column compare its text form remotely (when
	// sqlgen pushes string comparisons under the engine's collation).
	f := sourcetest.Cmp(tbl.Schema(), "pt", expr.OpEq, "(5,-5)")
	if vs, _ := tbl.(*Table).SupportsFilters([]expr.Expr{f}); vs[0] == catalog.FilterExact {
		if got := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Projection: []int{0}, Filters: []expr.Expr{f}, Limit: -1}, mem); len(got) != 1 || got[0] != "5" {
			t.Errorf("pt = '(5,-5)': %v, want [5]", got)
		}
	}
	if got := tbl.(*Table).colSQL(tbl.Schema().FieldIndices("pt")[0]); got != `"pt"::text` {
		t.Errorf("filter SQL of the point column: %s, want \"pt\"::text", got)
	}
	// ... but cannot be written.
	rr, _ := array.NewRecordReader(tbl.Schema(), nil)
	defer rr.Release()
	if _, err := tbl.(*Table).Insert(context.Background(), rr); !errors.Is(err, errs.ErrNotImplemented) || !strings.Contains(err.Error(), "pt") {
		t.Errorf("insert into a table with a point column: %v, want ErrNotImplemented naming pt", err)
	}
}

func TestPushdownSQL(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("push")
	createKitTable(t, s, name, 3000)
	tbl, err := s.Table(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	pt := tbl.(*Table)
	sch := pt.Schema()
	fs := kitFilters(sch)
	vs, err := pt.SupportsFilters(fs)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		switch {
		case i == len(fs)-1: // unconstrained numeric: read rounded, never pushed
			if v != catalog.FilterUnsupported {
				t.Errorf("filter %s on a lossy column: verdict %s, want Unsupported", fs[i], v)
			}
		case usesString(fs[i]):
			// String comparisons follow the engine's collation; sqlgen
			// decides (and the conformance kit checks the result).
		case v != catalog.FilterExact:
			t.Errorf("filter %s: verdict %s, want Exact", fs[i], v)
		}
	}
	// A selective query: the filters and the limit reach PostgreSQL with
	// bind parameters only.
	sel := []expr.Expr{fs[5], fs[0]} // day >= ..., id > 1500
	scan, err := pt.Scan(context.Background(), catalog.ScanRequest{Projection: []int{0, 7}, Filters: sel, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	desc := scan.(*Scan).Describe()
	for _, want := range []string{`SELECT \"id\", \"day\" FROM \"public\".\"` + name + `\"`, "$1", "$2", "LIMIT 5"} {
		if !strings.Contains(desc, want) {
			t.Errorf("Describe() = %s, want it to contain %s", desc, want)
		}
	}
	if strings.Contains(desc, "2024") || strings.Contains(desc, "1500") {
		t.Errorf("Describe() = %s: a literal was spliced into the SQL", desc)
	}
	if len(scan.Partitions()) != 1 {
		t.Errorf("a limited scan has %d partitions, want 1", len(scan.Partitions()))
	}
	mem := newMem(t)
	got := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Projection: []int{0, 7}, Filters: sel, Limit: -1}, mem)
	// ids 1501..3000 with (id % 30) >= 19: 50 per 30 ids... count exactly.
	want := 0
	for g := 1501; g <= 3000; g++ {
		if g%30 >= 20 {
			want++
		}
	}
	if len(got) != want {
		t.Errorf("selective query: %d rows, want %d", len(got), want)
	}
	// An injection attempt is a value, not SQL (when string filters are
	// pushed at all).
	evil := sourcetest.Cmp(sch, "name", expr.OpEq, "x' OR '1'='1")
	if vs, _ := pt.SupportsFilters([]expr.Expr{evil}); vs[0] == catalog.FilterExact {
		if rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Filters: []expr.Expr{evil}, Limit: -1}, mem); len(rows) != 0 {
			t.Errorf("injection filter returned %d rows", len(rows))
		}
	}

	// Big table: split into ctid ranges covering the pages once.
	full, err := pt.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	sqls := full.(*Scan).SQL()
	if len(sqls) != 4 {
		t.Fatalf("3000-row table with partition_rows=500 and partitions=4: %d partitions, want 4: %v", len(sqls), sqls)
	}
	if strings.Contains(sqls[0], "ctid >=") || !strings.Contains(sqls[0], "ctid < '(") {
		t.Errorf("first partition must be open below: %s", sqls[0])
	}
	if !strings.Contains(sqls[3], "ctid >= '(") || strings.Contains(sqls[3], "ctid <") {
		t.Errorf("last partition must be open above: %s", sqls[3])
	}
	if d := full.(*Scan).Describe(); !strings.Contains(d, "ctid_ranges=4") {
		t.Errorf("Describe() = %s, want ctid_ranges=4", d)
	}
	// Empty projection counts remotely.
	cnt, err := pt.Scan(context.Background(), catalog.ScanRequest{Projection: []int{}, Filters: []expr.Expr{fs[0]}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if d := cnt.(*Scan).Describe(); !strings.Contains(d, "count(*)") {
		t.Errorf("empty projection Describe() = %s, want a count(*)", d)
	}
}

func TestStatistics(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("stats")
	createKitTable(t, s, name, 3000)
	tbl, err := s.Table(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tbl.(*Table).Statistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.NumRows.Precision != catalog.Inexact || st.NumRows.Value != 3000 {
		t.Errorf("NumRows = %+v, want 3000 Inexact (freshly analyzed)", st.NumRows)
	}
	nameIdx := tbl.Schema().FieldIndices("name")[0]
	nc := st.Columns[nameIdx].NullCount
	if nc.Precision != catalog.Inexact || nc.Value < 500 || nc.Value > 700 {
		t.Errorf("name NullCount = %+v, want about 600 Inexact", nc)
	}
	idIdx := tbl.Schema().FieldIndices("id")[0]
	if dc := st.Columns[idIdx].DistinctCount; dc.Precision != catalog.Inexact || dc.Value != 3000 {
		t.Errorf("id DistinctCount = %+v, want 3000 Inexact", dc)
	}
	// Never analyzed: nothing claimed.
	fresh := uniqueName("fresh")
	execSQL(t, s, "CREATE TABLE "+quoteIdent(fresh)+" (a int)")
	ft, err := s.Table(context.Background(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	st, err = ft.(*Table).Statistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.NumRows.Precision != catalog.Absent {
		t.Errorf("never analyzed table: NumRows = %+v, want Absent", st.NumRows)
	}
}

// TestCancelLeavesNoBackend cancels a read mid-stream and checks that
// PostgreSQL has no backend still running the query.
func TestCancelLeavesNoBackend(t *testing.T) {
	s := openSchema(t, testConfig())
	name := uniqueName("cancel")
	execSQL(t, s, "CREATE TABLE "+quoteIdent(name)+" AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 300000) g")
	tbl, err := s.Table(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	mem := newMem(t)
	scan, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr, err := scan.Partitions()[0].Open(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	if !rr.Next() {
		t.Fatalf("no first batch: %v", rr.Err())
	}
	cancel()
	for rr.Next() {
	}
	if err := rr.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("read after cancel: %v, want context.Canceled", err)
	}
	rr.Release()
	waitNoActiveQuery(t, s, name)

	// A query still computing on the server (no row sent yet) is
	// cancelled too: the server gets a CancelRequest.
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.src.pool.Exec(ctx, "SELECT pg_sleep(30) FROM "+quoteIdent(name)+" LIMIT 1")
		done <- err
	}()
	waitActiveQuery(t, s, "pg_sleep(30)")
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("cancelled pg_sleep succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled query did not return within 10s")
	}
	waitNoActiveQuery(t, s, "pg_sleep(30)")

	// The pool still works.
	if got := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Projection: []int{0}, Limit: 3}, mem); len(got) < 3 {
		t.Errorf("after cancellation: %d rows", len(got))
	}
}

const activitySQL = `SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND query LIKE '%' || $1 || '%' AND query NOT LIKE '%pg_stat_activity%'`

func waitNoActiveQuery(t *testing.T, s *Schema, fragment string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := s.src.pool.QueryRow(context.Background(), activitySQL, fragment).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends still running a query containing %q 5s after cancellation", n, fragment)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitActiveQuery(t *testing.T, s *Schema, fragment string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := s.src.pool.QueryRow(context.Background(), activitySQL, fragment).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("query containing %q never became active", fragment)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestInsertAtomicAndDDL(t *testing.T) {
	s := openSchema(t, testConfig())
	ctx := context.Background()
	name := uniqueName("ins")
	sch := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 20, Scale: 3}, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	if err := s.CreateTable(ctx, name, sch, false); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(ctx, name, sch, false); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("second CREATE: %v, want ErrAlreadyExists", err)
	}
	if err := s.CreateTable(ctx, name, sch, true); err != nil {
		t.Errorf("CREATE IF NOT EXISTS: %v", err)
	}
	names, err := s.TableNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(names, name) {
		t.Fatalf("TableNames %v lacks %s", names, name)
	}
	tbl, err := s.Table(ctx, strings.ToUpper(name)) // case-insensitive lookup
	if err != nil {
		t.Fatal(err)
	}
	if !arrowSchemaEqual(tbl.Schema(), sch) {
		t.Errorf("created table reads back as %s, want %s", tbl.Schema(), sch)
	}
	mem := newMem(t)
	mk := func(ids []int64, nullID bool) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, sch)
		defer b.Release()
		for i, id := range ids {
			if nullID && i == len(ids)-1 {
				b.Field(0).AppendNull()
			} else {
				b.Field(0).(*array.Int64Builder).Append(id)
			}
			b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(id*1001 - 50_000_123))
			if id%2 == 0 {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("row %d é", id))
			}
			b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(1_700_000_000_000_000 + id))
		}
		return b.NewRecordBatch()
	}
	good := mk([]int64{1, 2, 3}, false)
	defer good.Release()
	bad := mk([]int64{4, 5}, true) // NULL id violates NOT NULL on the server
	defer bad.Release()
	rr, _ := array.NewRecordReader(sch, []arrow.RecordBatch{good, bad})
	if _, err := tbl.(*Table).Insert(ctx, rr); err == nil || !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("insert violating NOT NULL: %v, want ErrInvalid", err)
	}
	rr.Release()
	if got := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1}, mem); len(got) != 0 {
		t.Errorf("failed insert left %d rows visible", len(got))
	}
	rr, _ = array.NewRecordReader(sch, []arrow.RecordBatch{good})
	n, err := tbl.(*Table).Insert(ctx, rr)
	rr.Release()
	if err != nil || n != 3 {
		t.Fatalf("insert: %d, %v", n, err)
	}
	got := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1}, mem)
	want := sourcetest.RowStrings([]arrow.RecordBatch{good})
	if strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
		t.Errorf("read back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	if err := s.DropTable(ctx, name, false); err != nil {
		t.Fatal(err)
	}
	if err := s.DropTable(ctx, name, false); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("second DROP: %v, want ErrNotFound", err)
	}
	if err := s.DropTable(ctx, name, true); err != nil {
		t.Errorf("DROP IF EXISTS: %v", err)
	}
	if err := s.CreateTable(ctx, "x", arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int8)}}, nil), false); !errors.Is(err, errs.ErrNotImplemented) {
		t.Errorf("CREATE with a list column: %v, want ErrNotImplemented", err)
	}
}

// TestDroppedTable: a table dropped after planning fails at read time with
// ErrNotFound naming it; other tables keep working.
func TestDroppedTable(t *testing.T) {
	s := openSchema(t, testConfig())
	ctx := context.Background()
	a, b := uniqueName("gone"), uniqueName("stays")
	execSQL(t, s, "CREATE TABLE "+quoteIdent(a)+" AS SELECT 1 AS x")
	execSQL(t, s, "CREATE TABLE "+quoteIdent(b)+" AS SELECT 2 AS x")
	ta, err := s.Table(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := s.Table(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	scan, err := ta.Scan(ctx, catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, s, "DROP TABLE "+quoteIdent(a))
	mem := newMem(t)
	err = readAll(ctx, scan, mem)
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), a) {
		t.Errorf("reading a dropped table: %v, want ErrNotFound naming %s", err, a)
	}
	if got := sourcetest.ReadRows(t, tb, catalog.ScanRequest{Limit: -1}, mem); len(got) != 1 {
		t.Errorf("other table: %v", got)
	}
	if _, err := s.Table(ctx, a); !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), a) {
		t.Errorf("lookup of a dropped table: %v, want ErrNotFound naming it", err)
	}
}

func readAll(ctx context.Context, scan catalog.Scan, mem memory.Allocator) error {
	for _, p := range scan.Partitions() {
		rr, err := p.Open(ctx, mem)
		if err != nil {
			return err
		}
		for rr.Next() {
		}
		err = rr.Err()
		rr.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func sorted(xs []string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func arrowSchemaEqual(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) || fa.Nullable != fb.Nullable {
			return false
		}
	}
	return true
}

// usesString reports whether e reads or compares a string value.
func usesString(e expr.Expr) bool {
	found := false
	expr.Walk(e, func(n expr.Expr) bool {
		if n.Type() != nil && n.Type().ID() == arrow.STRING {
			found = true
		}
		return !found
	})
	return found
}
