package parquet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The test table: 1000 rows in row groups of 100, every column ordered so
// row group g holds ids [100g, 100g+100).
//
//	0 id     BIGINT        = row
//	1 name   VARCHAR       = "name%04d" (row)
//	2 day    DATE          = 8000 + row/10
//	3 amount DECIMAL(10,2) = row * 1.25
//	4 score  DOUBLE        = row / 2
//	5 opt    INT (nullable): NULL in row groups 0-4, row otherwise
//	6 small  SMALLINT      = row % 7 (unordered)
const (
	testRows  = 1000
	testGroup = 100
)

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	{Name: "opt", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "small", Type: arrow.PrimitiveTypes.Int16},
}, nil)

func buildBatch(mem memory.Allocator, from, to int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, testSchema)
	defer b.Release()
	for r := from; r < to; r++ {
		b.Field(0).(*array.Int64Builder).Append(int64(r))
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("name%04d", r))
		b.Field(2).(*array.Date32Builder).Append(arrow.Date32(8000 + r/10))
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(r) * 125))
		b.Field(4).(*array.Float64Builder).Append(float64(r) / 2)
		if r < 500 {
			b.Field(5).(*array.Int32Builder).AppendNull()
		} else {
			b.Field(5).(*array.Int32Builder).Append(int32(r))
		}
		b.Field(6).(*array.Int16Builder).Append(int16(r % 7))
	}
	return b.NewRecordBatch()
}

// writeFile writes rows [from, to) of the test table in row groups of
// groupRows and returns the path.
func writeFile(t testing.TB, dir, name string, from, to, groupRows int) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := pq.NewWriterProperties(pq.WithMaxRowGroupLength(int64(groupRows)), pq.WithStats(true))
	w, err := pqarrow.NewFileWriter(testSchema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	rec := buildBatch(memory.NewGoAllocator(), from, to)
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func openTest(t testing.TB) (*Table, string) {
	t.Helper()
	dir := t.TempDir()
	path := writeFile(t, dir, "t.parquet", 0, testRows, testGroup)
	tbl, err := OpenFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return tbl.(*Table), path
}

func col(i int) *expr.Column {
	f := testSchema.Field(i)
	return &expr.Column{Index: i, Name: f.Name, DataType: f.Type}
}

func lit(t arrow.DataType, v any) *expr.Literal { return &expr.Literal{DataType: t, Value: v} }

func cmp(op expr.Op, l, r expr.Expr) expr.Expr {
	return &expr.Binary{Op: op, Left: l, Right: r, DataType: arrow.FixedWidthTypes.Boolean}
}

func i64(v int64) *expr.Literal { return lit(arrow.PrimitiveTypes.Int64, v) }

// readAll reads every partition of a scan and returns the batches.
func readAll(t testing.TB, s catalog.Scan, mem memory.Allocator) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for _, p := range s.Partitions() {
		rr, err := p.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
			b := rr.RecordBatch()
			if !b.Schema().Equal(s.Schema()) {
				t.Fatalf("batch schema %s, want %s", b.Schema(), s.Schema())
			}
			b.Retain()
			out = append(out, b)
		}
		if err := rr.Err(); err != nil {
			t.Fatal(err)
		}
		rr.Release()
	}
	return out
}

func release(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// ids returns the id column (index c of the batches) as a sorted slice.
func ids(bs []arrow.RecordBatch, c int) []int64 {
	var out []int64
	for _, b := range bs {
		a := b.Column(c).(*array.Int64)
		out = append(out, a.Int64Values()...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func scanIDs(t *testing.T, tbl *Table, filters ...expr.Expr) (ids_ []int64, total, selected int) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	vs, err := tbl.SupportsFilters(filters)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if v != catalog.FilterInexact {
			t.Fatalf("filter %s: verdict %s, want Inexact", filters[i], v)
		}
	}
	s, err := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{0}, Filters: filters, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	bs := readAll(t, s, mem)
	defer release(bs)
	total, selected = s.(*Scan).RowGroups()
	return ids(bs, 0), total, selected
}

func TestSchemaAndStatistics(t *testing.T) {
	tbl, _ := openTest(t)
	if !tbl.Schema().Equal(testSchema) {
		t.Fatalf("schema %s, want %s", tbl.Schema(), testSchema)
	}
	st, err := tbl.Statistics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.NumRows != (catalog.Count{Value: testRows, Precision: catalog.Exact}) {
		t.Errorf("NumRows = %+v", st.NumRows)
	}
	if st.TotalBytes.Precision != catalog.Inexact || st.TotalBytes.Value <= 0 {
		t.Errorf("TotalBytes = %+v", st.TotalBytes)
	}
	c := st.Columns
	check := func(name string, got catalog.Bound, want any, p catalog.Precision) {
		t.Helper()
		if got.Precision != p || fmt.Sprint(got.Value) != fmt.Sprint(want) || fmt.Sprintf("%T", got.Value) != fmt.Sprintf("%T", want) {
			t.Errorf("%s = %#v (%s), want %#v (%s)", name, got.Value, got.Precision, want, p)
		}
	}
	check("id.min", c[0].Min, int64(0), catalog.Exact)
	check("id.max", c[0].Max, int64(999), catalog.Exact)
	check("name.min", c[1].Min, "name0000", catalog.Inexact)
	check("name.max", c[1].Max, "name0999", catalog.Inexact)
	check("day.min", c[2].Min, arrow.Date32(8000), catalog.Exact)
	check("day.max", c[2].Max, arrow.Date32(8099), catalog.Exact)
	check("amount.max", c[3].Max, decimal128.FromI64(999*125), catalog.Exact)
	check("score.max", c[4].Max, 499.5, catalog.Inexact)
	check("opt.min", c[5].Min, int64(500), catalog.Exact)
	if c[5].NullCount != (catalog.Count{Value: 500, Precision: catalog.Exact}) {
		t.Errorf("opt null count = %+v", c[5].NullCount)
	}
	if c[0].NullCount != (catalog.Count{Value: 0, Precision: catalog.Exact}) {
		t.Errorf("id null count = %+v", c[0].NullCount)
	}
	if c[0].DistinctCount.Precision != catalog.Absent {
		t.Errorf("distinct count should be Absent, got %+v", c[0].DistinctCount)
	}
}

func TestProjection(t *testing.T) {
	tbl, _ := openTest(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	s, err := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{1, 0, 1}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Schema().NumFields(); got != 3 || s.Schema().Field(0).Name != "name" || s.Schema().Field(1).Name != "id" {
		t.Fatalf("projected schema %s", s.Schema())
	}
	if len(s.Partitions()) != testRows/testGroup {
		t.Fatalf("%d partitions, want one per row group (%d)", len(s.Partitions()), testRows/testGroup)
	}
	bs := readAll(t, s, mem)
	n := 0
	for _, b := range bs {
		names := b.Column(0).(*array.String)
		idc := b.Column(1).(*array.Int64)
		again := b.Column(2).(*array.String)
		for i := 0; i < int(b.NumRows()); i++ {
			want := fmt.Sprintf("name%04d", idc.Value(i))
			if names.Value(i) != want || again.Value(i) != want {
				t.Fatalf("row %d: name %q/%q, want %q", n, names.Value(i), again.Value(i), want)
			}
			n++
		}
	}
	release(bs)
	if n != testRows {
		t.Fatalf("%d rows, want %d", n, testRows)
	}

	// Empty projection: row counts only.
	s, err = tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	bs = readAll(t, s, mem)
	var rows int64
	for _, b := range bs {
		if b.NumCols() != 0 {
			t.Fatalf("empty projection produced %d columns", b.NumCols())
		}
		rows += b.NumRows()
	}
	release(bs)
	if rows != testRows {
		t.Fatalf("empty projection: %d rows, want %d", rows, testRows)
	}

	if _, err := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{7}, Limit: -1}); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("out-of-range projection: %v, want ErrInvalid", err)
	}
}

func TestPruning(t *testing.T) {
	tbl, _ := openTest(t)
	dec := testSchema.Field(3).Type
	cases := []struct {
		name    string
		filters []expr.Expr
		groups  int // row groups read
		match   func(id int64) bool
	}{
		{"range", []expr.Expr{cmp(expr.OpGtEq, col(0), i64(250)), cmp(expr.OpLt, col(0), i64(420))}, 3,
			func(id int64) bool { return id >= 250 && id < 420 }},
		{"between as AND", []expr.Expr{cmp(expr.OpAnd, cmp(expr.OpGtEq, col(0), i64(100)), cmp(expr.OpLtEq, col(0), i64(199)))}, 1,
			func(id int64) bool { return id >= 100 && id <= 199 }},
		{"literal on the left", []expr.Expr{cmp(expr.OpGt, i64(150), col(0))}, 2,
			func(id int64) bool { return id < 150 }},
		{"eq", []expr.Expr{cmp(expr.OpEq, col(0), i64(777))}, 1, func(id int64) bool { return id == 777 }},
		{"eq outside", []expr.Expr{cmp(expr.OpEq, col(0), i64(5000))}, 0, func(int64) bool { return false }},
		{"null literal", []expr.Expr{cmp(expr.OpEq, col(0), lit(arrow.PrimitiveTypes.Int64, nil))}, 0, func(int64) bool { return false }},
		{"in", []expr.Expr{&expr.In{Input: col(0), List: []expr.Expr{i64(5), i64(905), lit(arrow.PrimitiveTypes.Int64, nil)}}}, 2,
			func(id int64) bool { return id == 5 || id == 905 }},
		{"or", []expr.Expr{cmp(expr.OpOr, cmp(expr.OpLt, col(0), i64(10)), cmp(expr.OpGtEq, col(0), i64(990)))}, 2,
			func(id int64) bool { return id < 10 || id >= 990 }},
		{"string", []expr.Expr{cmp(expr.OpEq, col(1), lit(arrow.BinaryTypes.String, "name0421"))}, 1,
			func(id int64) bool { return id == 421 }},
		{"string range", []expr.Expr{cmp(expr.OpGtEq, col(1), lit(arrow.BinaryTypes.String, "name09"))}, 1,
			func(id int64) bool { return id >= 900 }},
		{"date", []expr.Expr{cmp(expr.OpLt, col(2), lit(arrow.FixedWidthTypes.Date32, arrow.Date32(8020)))}, 2,
			func(id int64) bool { return id < 200 }},
		{"decimal", []expr.Expr{cmp(expr.OpGt, col(3), lit(dec, decimal128.FromI64(125*850)))}, 2,
			func(id int64) bool { return id > 850 }},
		{"decimal upscaled literal", []expr.Expr{cmp(expr.OpLtEq, col(3), lit(&arrow.Decimal128Type{Precision: 5, Scale: 0}, decimal128.FromI64(100)))}, 1,
			func(id int64) bool { return id*125 <= 10000 }},
		{"double", []expr.Expr{cmp(expr.OpGtEq, col(4), lit(arrow.PrimitiveTypes.Float64, 480.0))}, 1,
			func(id int64) bool { return id >= 960 }},
		{"cast int to double", []expr.Expr{cmp(expr.OpLt, &expr.Cast{Input: col(0), To: arrow.PrimitiveTypes.Float64}, lit(arrow.PrimitiveTypes.Float64, 99.5))}, 1,
			func(id int64) bool { return id < 100 }},
		{"cast int to decimal", []expr.Expr{cmp(expr.OpGt, &expr.Cast{Input: col(0), To: &arrow.Decimal128Type{Precision: 20, Scale: 1}},
			lit(&arrow.Decimal128Type{Precision: 20, Scale: 1}, decimal128.FromI64(8995)))}, 1, func(id int64) bool { return id >= 900 }},
		{"cast decimal to larger scale", []expr.Expr{cmp(expr.OpLt, &expr.Cast{Input: col(3), To: &arrow.Decimal128Type{Precision: 20, Scale: 3}},
			lit(&arrow.Decimal128Type{Precision: 20, Scale: 3}, decimal128.FromI64(125_001)))}, 2, func(id int64) bool { return id <= 100 }},
		{"is null", []expr.Expr{&expr.IsNull{Input: col(5)}}, 5, func(id int64) bool { return id < 500 }},
		{"is not null", []expr.Expr{&expr.IsNull{Input: col(5), Negated: true}}, 5, func(id int64) bool { return id >= 500 }},
		{"all-null group skipped by comparison", []expr.Expr{cmp(expr.OpGtEq, col(5), lit(arrow.PrimitiveTypes.Int32, int64(0)))}, 5,
			func(id int64) bool { return id >= 500 }},
		{"not equal keeps mixed groups", []expr.Expr{cmp(expr.OpNotEq, col(0), i64(3))}, 10, func(id int64) bool { return id != 3 }},
		{"unordered column keeps all", []expr.Expr{cmp(expr.OpEq, col(6), lit(arrow.PrimitiveTypes.Int16, int64(3)))}, 10,
			func(id int64) bool { return id%7 == 3 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, total, selected := scanIDs(t, tbl, c.filters...)
			if total != testRows/testGroup || selected != c.groups {
				t.Errorf("row groups %d/%d, want %d/%d", selected, total, c.groups, testRows/testGroup)
			}
			// Every matching row is there (pruning is sound), and the rows read
			// are whole row groups.
			seen := map[int64]bool{}
			for _, id := range got {
				seen[id] = true
			}
			for id := int64(0); id < testRows; id++ {
				if c.match(id) && !seen[id] {
					t.Fatalf("row %d matches but was pruned", id)
				}
			}
			if len(got) != c.groups*testGroup {
				t.Errorf("read %d rows, want %d (whole row groups)", len(got), c.groups*testGroup)
			}
		})
	}
}

func TestUnsupportedFilters(t *testing.T) {
	tbl, _ := openTest(t)
	filters := []expr.Expr{
		cmp(expr.OpEq, col(0), col(6)), // column vs column
		&expr.Not{Input: cmp(expr.OpEq, col(0), i64(1))},
		&expr.In{Input: col(0), List: []expr.Expr{i64(1)}, Negated: true},
		cmp(expr.OpNotEq, col(4), lit(arrow.PrimitiveTypes.Float64, 1.0)),                                     // NaN-unsafe
		cmp(expr.OpEq, col(2), i64(8000)),                                                                     // type mismatch
		cmp(expr.OpOr, cmp(expr.OpLt, col(0), i64(10)), cmp(expr.OpEq, col(0), col(6))),                       // half unusable OR
		cmp(expr.OpEq, &expr.Call{Name: "abs", Args: []expr.Expr{col(0)}, DataType: col(0).DataType}, i64(1)), // function of column
	}
	vs, err := tbl.SupportsFilters(filters)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if v != catalog.FilterUnsupported {
			t.Errorf("%s: %s, want Unsupported", filters[i], v)
		}
	}
	// An AND with one usable side is still usable (Inexact).
	vs, _ = tbl.SupportsFilters([]expr.Expr{cmp(expr.OpAnd, cmp(expr.OpLt, col(0), i64(10)), cmp(expr.OpEq, col(0), col(6)))})
	if vs[0] != catalog.FilterInexact {
		t.Errorf("AND with one usable conjunct: %s, want Inexact", vs[0])
	}
}

func TestNoStatisticsMeansUnsupported(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nostats.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(testSchema, f, pq.NewWriterProperties(pq.WithStats(false), pq.WithMaxRowGroupLength(50)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	rec := buildBatch(memory.NewGoAllocator(), 0, 100)
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tbl, err := OpenFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	vs, _ := tbl.(*Table).SupportsFilters([]expr.Expr{cmp(expr.OpEq, col(0), i64(1))})
	if vs[0] != catalog.FilterUnsupported {
		t.Errorf("no statistics: %s, want Unsupported", vs[0])
	}
	st, _ := tbl.(*Table).Statistics(context.Background())
	if st.NumRows.Value != 100 || st.NumRows.Precision != catalog.Exact {
		t.Errorf("NumRows = %+v", st.NumRows)
	}
	if st.Columns[0].Min.Precision != catalog.Absent || st.Columns[0].NullCount.Precision != catalog.Absent {
		t.Errorf("no statistics: column stats %+v, want Absent", st.Columns[0])
	}
}

func TestLimitWithoutFilters(t *testing.T) {
	tbl, _ := openTest(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, limit := range []int64{0, 1, 150, 1000, 5000} {
		s, err := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{0}, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		bs := readAll(t, s, mem)
		got := ids(bs, 0)
		release(bs)
		want := min(limit, testRows)
		if int64(len(got)) != want {
			t.Errorf("limit %d: %d rows, want %d", limit, len(got), want)
		}
		if wantParts := (want + testGroup - 1) / testGroup; int64(len(s.Partitions())) != wantParts {
			t.Errorf("limit %d: %d partitions, want %d", limit, len(s.Partitions()), wantParts)
		}
	}
	// With filters (all Inexact), the limit is not honoured by the source.
	s, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Filters: []expr.Expr{cmp(expr.OpGt, col(0), i64(-1))}, Limit: 1})
	if len(s.Partitions()) != testRows/testGroup {
		t.Errorf("limit with Inexact filters: %d partitions, want all", len(s.Partitions()))
	}
}

func TestMultiFileAndFactory(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "data")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, sub, "a.parquet", 0, 300, 100)
	writeFile(t, sub, "b.parquet", 300, 500, 50)
	if err := os.WriteFile(filepath.Join(sub, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fac := Factory()
	mk := func(vals map[string]any) (catalog.Table, error) {
		return fac.Table(context.Background(), catalog.ProviderOptions{Path: "tables.t", BaseDir: dir, Values: vals})
	}
	for _, p := range []string{"data", "data/*.parquet", sub} {
		tbl, err := mk(map[string]any{"path": p})
		if err != nil {
			t.Fatalf("path %q: %v", p, err)
		}
		pt := tbl.(*Table)
		if pt.RowGroupCount() != 3+4 {
			t.Errorf("path %q: %d row groups, want 7", p, pt.RowGroupCount())
		}
		got, _, _ := scanIDs(t, pt, cmp(expr.OpGtEq, col(0), i64(420)))
		if len(got) != 100 || got[0] != 400 {
			t.Errorf("path %q: pruned scan read %d rows from %v", p, len(got), got[:1])
		}
	}

	for _, c := range []struct {
		vals map[string]any
		want string
	}{
		{map[string]any{}, "tables.t.path"},
		{map[string]any{"path": 3}, "tables.t.path"},
		{map[string]any{"path": "missing.parquet"}, "missing.parquet"},
		{map[string]any{"path": "data/*.csv"}, "matches no file"},
		{map[string]any{"path": "data", "bogus": 1}, "tables.t.bogus"},
	} {
		_, err := mk(c.vals)
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("options %v: %v, want ErrInvalid mentioning %q", c.vals, err, c.want)
		}
	}

	// Files that disagree on the schema.
	other := filepath.Join(sub, "c.parquet")
	f, _ := os.Create(other)
	sc := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)
	w, err := pqarrow.NewFileWriter(sc, f, pq.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()
	_, err = mk(map[string]any{"path": "data"})
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "c.parquet") {
		t.Errorf("schema mismatch: %v, want ErrInvalid naming c.parquet", err)
	}
}

func TestMalformedFiles(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.parquet", 0, 300, 100)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	variants := map[string][]byte{
		"empty.parquet":     {},
		"tiny.parquet":      []byte("PAR1"),
		"truncated.parquet": data[:len(data)/2],
		"nomagic.parquet":   append(append([]byte{}, data[:len(data)-4]...), 'X', 'X', 'X', 'X'),
	}
	// Garble the footer body, keeping the length and magic intact.
	garbled := append([]byte{}, data...)
	for i := len(garbled) - 300; i < len(garbled)-8; i++ {
		garbled[i] ^= 0x5a
	}
	variants["garbled.parquet"] = garbled
	// A footer claiming a huge length.
	huge := append([]byte{}, data...)
	copy(huge[len(huge)-8:], []byte{0xff, 0xff, 0xff, 0x7f})
	variants["hugefooter.parquet"] = huge
	for name, b := range variants {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := OpenFile(context.Background(), p)
		if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want ErrInvalid naming the file", name, err)
		}
	}
}

func TestCorruptDataIsAnError(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "t.parquet", 0, 300, 100)
	tbl, err := OpenFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	// Garble the data pages after the footer was cached (same size).
	data, _ := os.ReadFile(path)
	for i := 4; i < len(data)/2; i++ {
		data[i] ^= 0xa5
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	for _, p := range s.Partitions() {
		rr, err := p.Open(context.Background(), mem)
		if err != nil {
			failures++
			continue
		}
		for rr.Next() {
		}
		if rr.Err() != nil {
			failures++
		}
		rr.Release()
	}
	if failures == 0 {
		t.Fatalf("reading garbled data pages succeeded everywhere")
	}

	// A file that changed size since load is refused.
	if err := os.WriteFile(path, data[:len(data)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Partitions()[0].Open(context.Background(), mem); !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("changed file: %v, want ErrUnavailable", err)
	}
}

func TestCancellation(t *testing.T) {
	tbl, _ := openTest(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	ctx, cancel := context.WithCancel(context.Background())
	rr, err := s.Partitions()[0].Open(ctx, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Release()
	cancel()
	if rr.Next() {
		t.Fatal("Next after cancel succeeded")
	}
	if !errors.Is(rr.Err(), context.Canceled) {
		t.Fatalf("Err = %v, want context.Canceled", rr.Err())
	}
}

func TestPartitionCodec(t *testing.T) {
	tbl, path := openTest(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	remote, err := OpenFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{0}, Filters: []expr.Expr{cmp(expr.OpLt, col(0), i64(200))}, Limit: -1})
	var got []int64
	for _, p := range s.Partitions() {
		data, err := tbl.EncodePartition(p)
		if err != nil {
			t.Fatal(err)
		}
		dp, err := remote.(*Table).DecodePartition(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		one := readAll(t, &Scan{schema: s.Schema(), parts: []catalog.Partition{dp}}, mem)
		got = append(got, ids(one, 0)...)
		release(one)
	}
	if len(got) != 200 || got[0] != 0 || got[199] != 199 {
		t.Fatalf("decoded partitions read %d rows", len(got))
	}
	for _, bad := range []string{`{"v":1,"file":"nope","rg":0}`, fmt.Sprintf(`{"v":1,"file":%q,"rg":99}`, path),
		fmt.Sprintf(`{"v":1,"file":%q,"rg":0,"rows":7}`, path), fmt.Sprintf(`{"v":1,"file":%q,"rg":0,"rows":100,"proj":[42]}`, path)} {
		if _, err := tbl.DecodePartition(context.Background(), []byte(bad)); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("DecodePartition(%s) = %v, want ErrInvalid", bad, err)
		}
	}
}

// TestConformance runs the shared provider kit, with filters the table
// accepts (Inexact) and one it refuses.
func TestConformance(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "t.parquet", 0, 400, 64)
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			tbl, err := OpenFile(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return tbl
		},
		IOCount: func() int64 { return ioCount.Load() },
		Filters: []expr.Expr{
			cmp(expr.OpGtEq, col(0), i64(130)),
			cmp(expr.OpLt, col(2), lit(arrow.FixedWidthTypes.Date32, arrow.Date32(8030))),
			&expr.IsNull{Input: col(5)},
			cmp(expr.OpEq, col(0), col(6)),
			cmp(expr.OpEq, col(1), lit(arrow.BinaryTypes.String, "name0321")),
			&expr.In{Input: col(0), List: []expr.Expr{i64(3), i64(390), i64(7000)}},
			cmp(expr.OpOr, cmp(expr.OpLtEq, col(3), lit(testSchema.Field(3).Type, decimal128.FromI64(1000))),
				cmp(expr.OpGt, col(4), lit(arrow.PrimitiveTypes.Float64, 190.0))),
		},
	})
}
