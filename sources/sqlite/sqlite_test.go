package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/sourcetest"
	"github.com/quiverdb/quiver/sources/sqlite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const ddl = `CREATE TABLE t (
	id INTEGER,
	name TEXT,
	amount REAL,
	ok BOOLEAN,
	day DATE,
	at DATETIME,
	price DECIMAL(10,2),
	raw BLOB,
	n INT,
	anything
)`

// makeFile writes a database with rows rows (ids 1..rows) and some values
// that do not match their declared types.
func makeFile(t testing.TB, rows int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= rows; i++ {
		var name, amount, ok, day, at, price, raw, n, anything any
		name = fmt.Sprintf("n%d", i%7)
		if i%5 == 0 {
			name = strings.ToUpper(name.(string))
		}
		amount = float64(i%11) / 2
		ok = i%3 == 0
		day = fmt.Sprintf("2024-01-%02d", i%28+1)
		at = fmt.Sprintf("2024-03-%02d %02d:00:00.250", i%28+1, i%24)
		price = fmt.Sprintf("%d.%02d", i, i%100)
		raw = []byte{byte(i), byte(i >> 8)}
		n = i % 4
		anything = i
		switch i % 13 {
		case 0:
			name, amount, ok, day, at, price, raw, n = nil, nil, nil, nil, nil, nil, nil, nil
		case 1:
			n = "not a number" // coerced to NULL
			day = "2024-02-31" // not a date: NULL
			anything = "text"
			raw = []byte{}
		}
		if _, err := tx.Exec(`INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?)`, i, name, amount, ok, day, at, price, raw, n, anything); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

var lastTable atomic.Pointer[sqlite.Table]

func open(t testing.TB, path string, cfg sqlite.Config) *sqlite.Table {
	t.Helper()
	cfg.Path = path
	tbl, err := sqlite.OpenTable(context.Background(), cfg, "t")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tbl.Close() })
	lastTable.Store(tbl)
	return tbl
}

func harnessFilters(s *arrow.Schema) []expr.Expr {
	lk, _ := expr.NewLike(sourcetest.Col(s, "name"), expr.NewLiteral("N%"), 0, false)
	in, _ := expr.NewIn(sourcetest.Col(s, "n"), []expr.Expr{expr.NewLiteral(1), expr.NewLiteral(2), expr.NewLiteral(nil)}, true)
	day, _ := expr.NewBinary(expr.OpGt, sourcetest.Col(s, "day"), expr.NewLiteral("2024-01-15"))
	at, _ := expr.NewBinary(expr.OpLt, sourcetest.Col(s, "at"), expr.NewLiteral("2024-03-10 05:00:00.25"))
	return []expr.Expr{
		sourcetest.Cmp(s, "id", expr.OpGt, 3),
		sourcetest.Cmp(s, "name", expr.OpEq, "n2"),
		lk,
		sourcetest.Or(sourcetest.Cmp(s, "amount", expr.OpLt, 3.0), sourcetest.Cmp(s, "ok", expr.OpEq, true)),
		sourcetest.IsNull(s, "n", false),
		in,
		day,
		at,
		sourcetest.Cmp(s, "anything", expr.OpGtEq, "3"),
	}
}

func TestConformance(t *testing.T) {
	for _, shape := range []struct {
		name       string
		rows       int
		partitions int64
	}{{"single", 40, 0}, {"rowid-ranges", 60, 10}} {
		t.Run(shape.name, func(t *testing.T) {
			path := makeFile(t, shape.rows)
			probe := open(t, path, sqlite.Config{})
			sourcetest.Run(t, sourcetest.Harness{
				New: func(t testing.TB) catalog.Table {
					// A fresh copy per instance: the kit inserts.
					return open(t, copyDB(t, path), sqlite.Config{PartitionRows: shape.partitions})
				},
				Filters: harnessFilters(probe.Schema()),
				IOCount: func() int64 { return lastTable.Load().IOCount() },
			})
		})
	}
}

// copyDB copies a database file with VACUUM INTO.
func copyDB(t testing.TB, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`VACUUM INTO ?`, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func newMem(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func TestSchemaMappingAndCoercion(t *testing.T) {
	tbl := open(t, makeFile(t, 14), sqlite.Config{})
	want := "id:int64 name:utf8 amount:float64 ok:bool day:date32 at:timestamp[us] price:decimal(10, 2) raw:binary n:int64 anything:utf8"
	var got []string
	for _, f := range tbl.Schema().Fields() {
		got = append(got, f.Name+":"+f.Type.String())
	}
	if strings.Join(got, " ") != want {
		t.Fatalf("schema\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	mem := newMem(t)
	rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1}, mem)
	joined := strings.Join(rows, "\n")
	for _, frag := range []string{
		// row 1: "not a number" in an INT column and 2024-02-31 read as NULL, empty blob kept.
		`1 | "n1" | 0.5 | false | NULL | 2024-03-02T01:00:00.25 | 1.01 | x'' | NULL | "text"`,
		// row 13: NULLs.
		`13 | NULL | NULL | NULL | NULL | NULL | NULL | NULL | NULL | "13"`,
	} {
		if !strings.Contains(joined, frag) {
			t.Errorf("missing row %q in\n%s", frag, joined)
		}
	}
}

func TestDescribeAndPushdownEquivalence(t *testing.T) {
	tbl := open(t, makeFile(t, 100), sqlite.Config{PartitionRows: 20})
	s := tbl.Schema()
	filters := harnessFilters(s)
	verdicts, err := tbl.SupportsFilters(filters)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range verdicts {
		if v != catalog.FilterExact && !usesString(s, filters[i]) {
			t.Errorf("filter %s: %s, want Exact", filters[i], v)
		}
	}
	// DECIMAL columns are not filterable.
	if v, _ := tbl.SupportsFilters([]expr.Expr{sourcetest.IsNull(s, "price", false)}); v[0] != catalog.FilterUnsupported {
		t.Errorf("price filter: %s", v[0])
	}
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{0, 3}, Filters: []expr.Expr{filters[0], sourcetest.Cmp(s, "ok", expr.OpEq, true)}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	d := sc.(interface{ Describe() string }).Describe()
	if d != `sql="SELECT CASE WHEN typeof(\"id\")='integer' THEN \"id\" END, CASE WHEN typeof(\"ok\") IN ('integer','real') THEN \"ok\" <> 0 END FROM \"t\" WHERE ((CASE WHEN typeof(\"id\")='integer' THEN \"id\" END) > ?) AND ((CASE WHEN typeof(\"ok\") IN ('integer','real') THEN \"ok\" <> 0 END) = ?) LIMIT 5"` {
		t.Errorf("Describe: %s", d)
	}
	full, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if got := len(full.Partitions()); got != 5 {
		t.Errorf("100 rows at 20 per partition: %d partitions", got)
	}
	if d := full.(interface{ Describe() string }).Describe(); !strings.Contains(d, "rowid_ranges=5") {
		t.Errorf("Describe: %s", d)
	}
	// Same rows with and without pushdown, for all filters together.
	mem := newMem(t)
	var exact []expr.Expr
	for i, v := range verdicts {
		if v == catalog.FilterExact && i != 4 && i != 5 && i != 7 {
			exact = append(exact, filters[i])
		}
	}
	filters = exact
	pushed := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Filters: filters, Limit: -1}, mem)
	all := sourcetest.ReadBatches(t, tbl, catalog.ScanRequest{Limit: -1}, mem)
	var ref []string
	for _, b := range all {
		out := b
		out.Retain()
		for _, f := range filters {
			next, err := expr.FilterBatch(context.Background(), f, out, mem)
			out.Release()
			if err != nil {
				t.Fatal(err)
			}
			out = next
		}
		ref = append(ref, sourcetest.RowStrings([]arrow.RecordBatch{out})...)
		out.Release()
		b.Release()
	}
	if strings.Join(sortStrings(pushed), "\n") != strings.Join(sortStrings(ref), "\n") || len(ref) == 0 {
		t.Errorf("pushed %d rows, engine %d rows", len(pushed), len(ref))
	}
}

func usesString(s *arrow.Schema, e expr.Expr) bool {
	for _, c := range expr.ColumnsUsed(e) {
		if s.Field(c).Type.ID() == arrow.STRING {
			return true
		}
	}
	return false
}

func sortStrings(s []string) []string {
	out := append([]string{}, s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestMissingFileAndDroppedTable(t *testing.T) {
	reg := catalog.NewRegistry()
	if err := reg.Register("sqlite", sqlite.Factory()); err != nil {
		t.Fatal(err)
	}
	f, _ := reg.Lookup("sqlite")
	dir := t.TempDir()
	_, err := f.Schema(context.Background(), catalog.ProviderOptions{Path: "catalogs.c.schemas.s", BaseDir: dir, Values: map[string]any{"path": "nope.db"}})
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "catalogs.c.schemas.s.path") {
		t.Fatalf("missing file: %v", err)
	}
	_, err = f.Table(context.Background(), catalog.ProviderOptions{Path: "x", BaseDir: dir, Values: map[string]any{"path": "a.db", "tabel": "t"}})
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "tabel") {
		t.Fatalf("typo option: %v", err)
	}

	path := makeFile(t, 10)
	sch, err := f.Schema(context.Background(), catalog.ProviderOptions{Path: "s", BaseDir: filepath.Dir(path), Values: map[string]any{"path": filepath.Base(path)}})
	if err != nil {
		t.Fatal(err)
	}
	defer sch.(*sqlite.Schema).Close()
	tbl, err := sch.Table(context.Background(), "T")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.(catalog.Creatable).DropTable(context.Background(), "t", false); err != nil {
		t.Fatal(err)
	}
	mem := newMem(t)
	_, err = sc.Partitions()[0].Open(context.Background(), mem)
	if !errors.Is(err, errs.ErrNotFound) || !strings.Contains(err.Error(), "t no longer exists") {
		t.Fatalf("dropped table: %v", err)
	}
	if _, err := sch.Table(context.Background(), "t"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("lookup of dropped table: %v", err)
	}
}

func TestCreateInsertDrop(t *testing.T) {
	ctx := context.Background()
	sch, err := sqlite.OpenSchema(sqlite.Config{Path: filepath.Join(t.TempDir(), "new.db"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sch.Close()
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "when", Type: expr.TypeTimestamp, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "p", Type: &arrow.Decimal128Type{Precision: 8, Scale: 2}, Nullable: true},
	}, nil)
	if err := sch.CreateTable(ctx, "events", s, false); err != nil {
		t.Fatal(err)
	}
	if err := sch.CreateTable(ctx, "events", s, false); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Fatalf("second create: %v", err)
	}
	if err := sch.CreateTable(ctx, "events", s, true); err != nil {
		t.Fatal(err)
	}
	bad := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)
	if err := sch.CreateTable(ctx, "bad", bad, false); !errors.Is(err, errs.ErrNotImplemented) {
		t.Fatalf("unmappable type: %v", err)
	}
	names, _ := sch.TableNames(ctx)
	if strings.Join(names, ",") != "events" {
		t.Fatalf("names %v", names)
	}
	tbl, err := sch.Table(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	if !tbl.Schema().Equal(s) {
		t.Fatalf("round trip schema %s", tbl.Schema())
	}
	mem := newMem(t)
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	ts, _ := arrow.TimestampFromString("2024-05-06 07:08:09.123", arrow.Microsecond)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ts, 0}, []bool{true, false})
	b.Field(2).(*array.Date32Builder).AppendValues([]arrow.Date32{19000, 0}, nil)
	b.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	p1, _ := expr.NewDecimalLiteral("12.50")
	b.Field(4).(*array.Decimal128Builder).Append(p1.Value.(decimal128.Num))
	b.Field(4).AppendNull()
	rec := b.NewRecordBatch()
	defer rec.Release()
	rr, _ := array.NewRecordReader(s, []arrow.RecordBatch{rec, rec})
	n, err := tbl.(catalog.Insertable).Insert(ctx, rr)
	rr.Release()
	if err != nil || n != 4 {
		t.Fatalf("insert: %d %v", n, err)
	}
	rows := sortStrings(sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Limit: -1}, mem))
	want := []string{
		"1 | 2024-05-06T07:08:09.123 | 2022-01-08 | true | 12.5",
		"1 | 2024-05-06T07:08:09.123 | 2022-01-08 | true | 12.5",
		"2 | NULL | 1970-01-01 | false | NULL",
		"2 | NULL | 1970-01-01 | false | NULL",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if err := sch.DropTable(ctx, "events", false); err != nil {
		t.Fatal(err)
	}
	if err := sch.DropTable(ctx, "events", false); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("second drop: %v", err)
	}
	if err := sch.DropTable(ctx, "events", true); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnly(t *testing.T) {
	path := makeFile(t, 3)
	tbl := open(t, path, sqlite.Config{ReadOnly: true})
	rr, _ := array.NewRecordReader(tbl.Schema(), nil)
	defer rr.Release()
	if _, err := tbl.Insert(context.Background(), rr); !errors.Is(err, errs.ErrPermission) {
		t.Fatalf("insert into read-only: %v", err)
	}
}

// TestCancelStopsALongQuery cancels while SQLite is busy on a query that
// produces no row for a long time (a huge cross join with a filter that
// never matches): the reader must stop promptly.
func TestCancelStopsALongQuery(t *testing.T) {
	tbl := open(t, makeFile(t, 300), sqlite.Config{})
	s := tbl.Schema()
	mem := newMem(t)
	// id % 1000003 = -1 never holds; the scan itself is short, so cancel
	// during reading of a big table instead: use a self-made slow filter.
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: []expr.Expr{sourcetest.Cmp(s, "id", expr.OpGt, 0)}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rr, err := sc.Partitions()[0].Open(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	cancel()
	start := time.Now()
	for rr.Next() {
	}
	if !errors.Is(rr.Err(), context.Canceled) {
		t.Fatalf("reader error after cancel: %v", rr.Err())
	}
	if time.Since(start) > time.Second {
		t.Fatalf("cancel took %s", time.Since(start))
	}
}
