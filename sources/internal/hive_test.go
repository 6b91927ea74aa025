package internal

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

func day(s string) arrow.Date32 {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return arrow.Date32FromTime(t)
}

func TestParseHiveTypes(t *testing.T) {
	files := []string{
		"/d/n=1/dt=2024-01-31/s=x/nul=" + HiveDefault + "/a.parquet",
		"/d/n=-20/dt=2024-02-01/s=2024-01-01/nul=/b.parquet",
		"/d/n=" + HiveDefault + "/dt=" + HiveDefault + "/s=%41%2Fb/nul=" + HiveDefault + "/c.parquet",
		"s3://bucket/d/n=7/dt=1999-12-31/s=12/nul=" + HiveDefault + "/d.parquet?versionId=3",
	}
	fileSchema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	h, err := ParseHive("tables.t", fileSchema, files)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name string
		typ  arrow.DataType
	}{{"n", arrow.PrimitiveTypes.Int64}, {"dt", arrow.FixedWidthTypes.Date32}, {"s", arrow.BinaryTypes.String}, {"nul", arrow.BinaryTypes.String}}
	if len(h.Fields) != len(want) {
		t.Fatalf("fields %v", h.Fields)
	}
	for i, w := range want {
		if h.Fields[i].Name != w.name || !arrow.TypeEqual(h.Fields[i].Type, w.typ) || !h.Fields[i].Nullable {
			t.Fatalf("field %d: %v, want %s %s", i, h.Fields[i], w.name, w.typ)
		}
	}
	checks := []struct {
		f, k int
		v    any
	}{
		{0, 0, int64(1)}, {1, 0, int64(-20)}, {2, 0, nil}, {3, 0, int64(7)},
		{0, 1, day("2024-01-31")}, {2, 1, nil}, {3, 1, day("1999-12-31")},
		{1, 2, "2024-01-01"}, {2, 2, "A/b"}, {3, 2, "12"},
		{0, 3, nil}, {1, 3, nil},
	}
	for _, c := range checks {
		if got := h.Value(c.f, c.k); got != c.v {
			t.Errorf("Value(%d, %d) = %#v, want %#v", c.f, c.k, got, c.v)
		}
	}
	// Column repeats the typed value (or NULL).
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a := h.Column(3, 1, 3, mem)
	if d, ok := a.(*array.Date32); !ok || d.Len() != 3 || d.Value(2) != day("1999-12-31") || d.NullN() != 0 {
		t.Fatalf("date column %v", a)
	}
	a.Release()
	a = h.Column(2, 1, 2, mem)
	if a.NullN() != 2 {
		t.Fatalf("NULL date column %v", a)
	}
	a.Release()

	// " 2024-01-01" is not a date directory value; "2024-1-1" neither.
	h, err = ParseHive("t", fileSchema, []string{"/x/dt=2024-01-01/a", "/x/dt=2024-1-1/b"})
	if err != nil || !arrow.TypeEqual(h.Fields[0].Type, arrow.BinaryTypes.String) {
		t.Fatalf("mixed dates: %v %v", h.Fields, err)
	}
	// A URL's path is escaped once more than the directory names: the
	// directory s=a%2Fz (Hive's escaping of "a/z") lists as s=a%252Fz.
	h, err = ParseHive("t", fileSchema, []string{"file:///x/s=a%252Fz/a", "https://h/x/s=b%20c/b?sig=1", "/x/s=a%2Fz/c"})
	if err != nil || h.Value(0, 0) != "a/z" || h.Value(1, 0) != "b c" || h.Value(2, 0) != "a/z" {
		t.Fatalf("escaped values: %v %v %v %v", h.Value(0, 0), h.Value(1, 0), h.Value(2, 0), err)
	}
	if _, err := ParseHive("tables.t", fileSchema, []string{"/x/v=1/a"}); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("clashing key: %v", err)
	}
}

func TestMatchFilesAndStatistics(t *testing.T) {
	files := []string{"/d/n=1/dt=2024-01-01/a", "/d/n=2/dt=2024-01-02/b", "/d/n=" + HiveDefault + "/dt=2024-01-03/c", "/d/n=3/dt=2024-01-04/d"}
	fileSchema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	h, err := ParseHive("t", fileSchema, files)
	if err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema(append(fileSchema.Fields(), h.Fields...), nil)
	n := &expr.Column{Index: 1, Name: "n", DataType: arrow.PrimitiveTypes.Int64}
	dt := &expr.Column{Index: 2, Name: "dt", DataType: arrow.FixedWidthTypes.Date32}
	boolT := arrow.FixedWidthTypes.Boolean
	preds := []expr.Expr{
		&expr.Binary{Op: expr.OpGtEq, Left: dt, Right: &expr.Literal{DataType: dt.DataType, Value: day("2024-01-02")}, DataType: boolT},
		&expr.Binary{Op: expr.OpLt, Left: n, Right: &expr.Literal{DataType: n.DataType, Value: int64(3)}, DataType: boolT},
	}
	keep, err := h.MatchFiles(context.Background(), schema, preds)
	if err != nil {
		t.Fatal(err)
	}
	// File c has NULL n: the comparison is NULL, so the file is skipped.
	if want := []bool{false, true, false, false}; !equalBools(keep, want) {
		t.Fatalf("keep %v, want %v", keep, want)
	}
	keep, err = h.MatchFiles(context.Background(), schema, []expr.Expr{&expr.IsNull{Input: n}})
	if err != nil || !equalBools(keep, []bool{false, false, true, false}) {
		t.Fatalf("IS NULL: %v %v", keep, err)
	}
	for i := range files {
		ok, err := h.FileMatches(context.Background(), schema, i, preds)
		if err != nil || ok != (i == 1) {
			t.Fatalf("FileMatches(%d) = %v, %v", i, ok, err)
		}
	}

	// Statistics: file d is empty, so its n=3 is not a bound.
	rows := []int64{10, 20, 5, 0}
	cs := h.ColumnStatistics(0, rows)
	if cs.NullCount != (catalog.Count{Value: 5, Precision: catalog.Exact}) || cs.Min.Value != int64(1) || cs.Max.Value != int64(2) || cs.Max.Precision != catalog.Exact {
		t.Fatalf("n statistics %+v", cs)
	}
	if cs.DistinctCount != (catalog.Count{Value: 2, Precision: catalog.Exact}) {
		t.Fatalf("n distinct %+v (1 and 2; the empty file's 3 does not count)", cs.DistinctCount)
	}
	cs = h.ColumnStatistics(1, []int64{10, -1, 5, 1})
	if cs.NullCount != (catalog.Count{Value: 0, Precision: catalog.Exact}) || cs.Min.Value != day("2024-01-01") || cs.Max.Value != day("2024-01-04") {
		t.Fatalf("dt statistics %+v", cs)
	}
	// An unknown row count under a NULL directory makes the null count Absent.
	if cs := h.ColumnStatistics(0, []int64{1, 1, -1, 1}); cs.NullCount.Precision != catalog.Absent || cs.DistinctCount.Precision != catalog.Absent || cs.Max.Value != int64(3) {
		t.Fatalf("unknown rows: %+v", cs)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
