package parquet

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

// hiveDirs are the partition directories of hiveTable, with the ids each
// file holds (row groups of 50): typed keys n (BIGINT), dt (DATE) and s
// (VARCHAR), with NULLs spelled __HIVE_DEFAULT_PARTITION__.
var hiveDirs = []struct {
	dir      string
	from, to int
}{
	{"n=1/dt=2024-01-01/s=a", 0, 100},
	{"n=1/dt=2024-01-02/s=b", 100, 200},
	{"n=2/dt=2024-01-01/s=__HIVE_DEFAULT_PARTITION__", 200, 300},
	{"n=__HIVE_DEFAULT_PARTITION__/dt=2024-02-01/s=a%2Fz", 300, 400},
}

// Column indices of the partition columns (after the 7 file columns).
const (
	hiveN  = 7
	hiveDt = 8
	hiveS  = 9
)

func hiveTable(t testing.TB) (*Table, string) {
	t.Helper()
	dir := t.TempDir()
	for _, h := range hiveDirs {
		sub := filepath.Join(dir, "sales", filepath.FromSlash(h.dir))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, sub, "part.parquet", h.from, h.to, 50)
	}
	return openHive(t, dir), dir
}

func openHive(t testing.TB, dir string) *Table {
	t.Helper()
	tbl, err := Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.sales", BaseDir: dir, Values: map[string]any{"path": "sales"}})
	if err != nil {
		t.Fatal(err)
	}
	return tbl.(*Table)
}

func date(s string) arrow.Date32 {
	tm, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return arrow.Date32FromTime(tm)
}

func TestHiveSchemaAndStatistics(t *testing.T) {
	tbl, _ := hiveTable(t)
	s := tbl.Schema()
	if s.NumFields() != 10 {
		t.Fatalf("schema %s", s)
	}
	for i, want := range []struct {
		name string
		typ  arrow.DataType
	}{{"n", arrow.PrimitiveTypes.Int64}, {"dt", arrow.FixedWidthTypes.Date32}, {"s", arrow.BinaryTypes.String}} {
		f := s.Field(hiveN + i)
		if f.Name != want.name || !arrow.TypeEqual(f.Type, want.typ) || !f.Nullable {
			t.Fatalf("partition column %d: %s %s nullable=%v, want %s %s nullable", hiveN+i, f.Name, f.Type, f.Nullable, want.name, want.typ)
		}
	}
	st, err := tbl.Statistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.NumRows != (catalog.Count{Value: 400, Precision: catalog.Exact}) {
		t.Fatalf("rows %+v", st.NumRows)
	}
	check := func(c int, nulls int64, lo, hi any) {
		t.Helper()
		cs := st.Columns[c]
		if cs.NullCount != (catalog.Count{Value: nulls, Precision: catalog.Exact}) {
			t.Errorf("column %d null count %+v, want %d Exact", c, cs.NullCount, nulls)
		}
		if cs.Min != (catalog.Bound{Value: lo, Precision: catalog.Exact}) || cs.Max != (catalog.Bound{Value: hi, Precision: catalog.Exact}) {
			t.Errorf("column %d bounds %+v..%+v, want %v..%v Exact", c, cs.Min, cs.Max, lo, hi)
		}
	}
	check(hiveN, 100, int64(1), int64(2))
	check(hiveDt, 0, date("2024-01-01"), date("2024-02-01"))
	check(hiveS, 100, "a", "b")
	for c, want := range map[int]int64{hiveN: 2, hiveDt: 3, hiveS: 3} {
		if got := st.Columns[c].DistinctCount; got != (catalog.Count{Value: want, Precision: catalog.Exact}) {
			t.Errorf("column %d distinct count %+v, want %d Exact", c, got, want)
		}
	}
	// File columns keep their footer statistics.
	if st.Columns[0].Min.Value != int64(0) || st.Columns[0].Max.Value != int64(399) {
		t.Errorf("id bounds %+v %+v", st.Columns[0].Min, st.Columns[0].Max)
	}
}

func hcol(s *arrow.Schema, i int) *expr.Column {
	return &expr.Column{Index: i, Name: s.Field(i).Name, DataType: s.Field(i).Type}
}

func TestHiveFiltersPruneFiles(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, _ := hiveTable(t)
	s := tbl.Schema()
	nEq1 := cmp(expr.OpEq, hcol(s, hiveN), i64(1))
	dtLt := cmp(expr.OpLt, hcol(s, hiveDt), lit(arrow.FixedWidthTypes.Date32, date("2024-01-02")))
	sIsNull := &expr.IsNull{Input: hcol(s, hiveS)}
	idGe := cmp(expr.OpGtEq, col(0), i64(150))
	mixed := cmp(expr.OpOr, nEq1, idGe)
	vs, err := tbl.SupportsFilters([]expr.Expr{nEq1, dtLt, sIsNull, idGe, mixed})
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.Verdict{catalog.FilterExact, catalog.FilterExact, catalog.FilterExact, catalog.FilterInexact, catalog.FilterUnsupported}
	for i := range want {
		if vs[i] != want[i] {
			t.Fatalf("verdicts %v, want %v", vs, want)
		}
	}

	cases := []struct {
		filters   []expr.Expr
		proj      []int
		describe  string
		wantRows  int
		firstRow  string
		partCount int
	}{
		// n = 1 AND dt < 2024-01-02: the first file only.
		{[]expr.Expr{nEq1, dtLt}, []int{hiveS, 0, hiveN, hiveDt}, "files=1/4 row_groups=2/8", 100, `"a" | 0 | 1 | 2024-01-01`, 2},
		// s IS NULL: the third file; id >= 150 prunes nothing more there.
		{[]expr.Expr{sIsNull, idGe}, []int{0, hiveS}, "files=1/4 row_groups=2/8", 100, `200 | NULL`, 2},
		// n = 1 and id >= 150: the row group [100,150) is pruned by statistics.
		{[]expr.Expr{nEq1, idGe}, []int{hiveN}, "files=2/4 row_groups=1/8", 50, `1`, 1},
		// NULL n: IS NULL finds the fourth file.
		{[]expr.Expr{&expr.IsNull{Input: hcol(s, hiveN)}}, []int{hiveS, hiveN, 1}, "files=1/4 row_groups=2/8", 100, `"a/z" | NULL | "name0300"`, 2},
	}
	for _, c := range cases {
		before := ioCount.Load()
		scan, err := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: c.filters, Projection: c.proj, Limit: -1})
		if err != nil {
			t.Fatal(err)
		}
		if ioCount.Load() != before {
			t.Fatalf("Scan did I/O")
		}
		if d := scan.(*Scan).Describe(); d != c.describe {
			t.Errorf("%v: Describe %q, want %q", c.filters, d, c.describe)
		}
		if len(scan.Partitions()) != c.partCount {
			t.Errorf("%v: %d partitions, want %d", c.filters, len(scan.Partitions()), c.partCount)
		}
		rows := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Filters: c.filters, Projection: c.proj, Limit: -1}, mem)
		if idGe := c.filters[len(c.filters)-1] == idGe; idGe {
			// Inexact: the engine re-filters; the scan may return more.
			if len(rows) < c.wantRows {
				t.Errorf("%v: %d rows, want at least %d", c.filters, len(rows), c.wantRows)
			}
		} else if len(rows) != c.wantRows {
			t.Errorf("%v: %d rows, want %d", c.filters, len(rows), c.wantRows)
		}
		found := false
		for _, r := range rows {
			found = found || r == c.firstRow
		}
		if !found {
			t.Errorf("%v: no row %q among %d (first %q)", c.filters, c.firstRow, len(rows), rows[0])
		}
	}
}

// Partition values are whole-batch constants of the right type, also when
// only partition columns are read and when batches are sliced by a limit.
func TestHiveColumnsValuesAndLimit(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, _ := hiveTable(t)
	s := tbl.Schema()
	nEq2 := cmp(expr.OpEq, hcol(s, hiveN), i64(2))
	scan, err := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: []expr.Expr{nEq2}, Projection: []int{hiveDt, hiveN}, Limit: 70})
	if err != nil {
		t.Fatal(err)
	}
	bs := readAll(t, scan, mem)
	defer release(bs)
	var n int64
	for _, b := range bs {
		dt := b.Column(0).(*array.Date32)
		nn := b.Column(1).(*array.Int64)
		for i := 0; i < int(b.NumRows()); i++ {
			if dt.Value(i) != date("2024-01-01") || nn.Value(i) != 2 || nn.IsNull(i) {
				t.Fatalf("row %d: dt=%v n=%v", i, dt.Value(i), nn.Value(i))
			}
		}
		n += b.NumRows()
	}
	if n != 70 {
		t.Fatalf("limit 70 under an Exact partition filter read %d rows", n)
	}
	// Full scan: every file's values line up with its ids.
	all := sourcetest.ReadRows(t, tbl, catalog.ScanRequest{Projection: []int{0, hiveN, hiveDt, hiveS}, Limit: -1}, mem)
	if len(all) != 400 {
		t.Fatalf("%d rows", len(all))
	}
	for _, r := range all {
		var id int
		var rest string
		parts := strings.SplitN(r, " | ", 2)
		id = atoi(parts[0])
		rest = parts[1]
		var want string
		switch {
		case id < 100:
			want = `1 | 2024-01-01 | "a"`
		case id < 200:
			want = `1 | 2024-01-02 | "b"`
		case id < 300:
			want = `2 | 2024-01-01 | NULL`
		default:
			want = `NULL | 2024-02-01 | "a/z"`
		}
		if rest != want {
			t.Fatalf("id %d: %s, want %s", id, rest, want)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestHivePartitionCodec(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl, dir := hiveTable(t)
	other := openHive(t, dir)
	s := tbl.Schema()
	scan, err := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: []expr.Expr{cmp(expr.OpEq, hcol(s, hiveS), lit(arrow.BinaryTypes.String, "b"))}, Projection: []int{hiveS, 0}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Partitions()) != 2 {
		t.Fatalf("%d partitions", len(scan.Partitions()))
	}
	for _, p := range scan.Partitions() {
		data, err := tbl.EncodePartition(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), dir) {
			t.Errorf("encoded partition leaks the base directory: %s", data)
		}
		q, err := other.DecodePartition(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := q.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for rr.Next() {
			b := rr.RecordBatch()
			if got := b.Column(0).(*array.String).Value(0); got != "b" {
				t.Errorf("decoded partition's s = %q", got)
			}
			rows += int(b.NumRows())
		}
		if rr.Err() != nil {
			t.Fatal(rr.Err())
		}
		rr.Release()
		if rows != 50 {
			t.Errorf("decoded partition read %d rows", rows)
		}
	}
}

func TestHiveConformance(t *testing.T) {
	_, dir := hiveTable(t)
	s := openHive(t, dir).Schema()
	sourcetest.Run(t, sourcetest.Harness{
		New:     func(t testing.TB) catalog.Table { return openHive(t, dir) },
		IOCount: func() int64 { return ioCount.Load() },
		Filters: []expr.Expr{
			cmp(expr.OpEq, hcol(s, hiveN), i64(1)),
			cmp(expr.OpGtEq, hcol(s, hiveDt), lit(arrow.FixedWidthTypes.Date32, date("2024-01-02"))),
			&expr.IsNull{Input: hcol(s, hiveS)},
			cmp(expr.OpGtEq, col(0), i64(130)),
			cmp(expr.OpOr, cmp(expr.OpEq, hcol(s, hiveN), i64(2)), cmp(expr.OpLt, col(0), i64(20))),
		},
	})
}

// Files at different Hive depths, or a key that is also a file column,
// are refused at load with the table's name.
func TestHiveMistakes(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"sales/year=2024", "sales/year=2024/month=01"} {
		p := filepath.Join(dir, filepath.FromSlash(sub))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, "a.parquet", 0, 10, 10)
	}
	_, err := Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.sales", BaseDir: dir, Values: map[string]any{"path": "sales"}})
	if err == nil || !strings.Contains(err.Error(), "tables.sales") || !strings.Contains(err.Error(), "Hive") {
		t.Fatalf("mixed depths: %v", err)
	}
	dir = t.TempDir()
	p := filepath.Join(dir, "sales", "id=1")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, "a.parquet", 0, 10, 10)
	_, err = Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.sales", BaseDir: dir, Values: map[string]any{"path": "sales"}})
	if err == nil || !strings.Contains(err.Error(), `"id"`) {
		t.Fatalf("clashing key: %v", err)
	}
}

// A Hive directory in an object store (gocloud's file:// bucket) gets the
// same partition columns and pruning.
func TestHiveRemote(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	_, dir := hiveTable(t)
	tbl, err := Factory().Table(context.Background(), catalog.ProviderOptions{Path: "tables.sales",
		Values: map[string]any{"path": "file://" + filepath.ToSlash(dir) + "/sales/"}})
	if err != nil {
		t.Fatal(err)
	}
	s := tbl.Schema()
	if s.NumFields() != 10 || s.Field(hiveDt).Name != "dt" {
		t.Fatalf("schema %s", s)
	}
	req := catalog.ScanRequest{Filters: []expr.Expr{cmp(expr.OpEq, hcol(s, hiveS), lit(arrow.BinaryTypes.String, "a/z"))}, Projection: []int{0, hiveN}, Limit: -1}
	scan, err := tbl.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if d := scan.(*Scan).Describe(); d != "files=1/4 row_groups=2/8" {
		t.Fatalf("Describe %q", d)
	}
	rows := sourcetest.ReadRows(t, tbl, req, mem)
	if len(rows) != 100 || !strings.HasSuffix(rows[0], " | NULL") {
		t.Fatalf("%d rows, first %v", len(rows), rows[:min(1, len(rows))])
	}
}
