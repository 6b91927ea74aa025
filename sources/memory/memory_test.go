package memory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.uber.org/goleak"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
	qmem "github.com/quiverdb/quiver/sources/memory"
	"github.com/quiverdb/quiver/sources/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

// makeBatches builds nb batches of per rows each with nulls sprinkled in.
func makeBatches(mem memory.Allocator, nb, per int) []arrow.RecordBatch {
	var out []arrow.RecordBatch
	id := int64(0)
	for b := 0; b < nb; b++ {
		rb := array.NewRecordBuilder(mem, testSchema)
		for r := 0; r < per; r++ {
			rb.Field(0).(*array.Int64Builder).Append(id)
			if id%5 == 3 {
				rb.Field(1).AppendNull()
			} else {
				rb.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("n%d", id%7))
			}
			if id%4 == 1 {
				rb.Field(2).AppendNull()
			} else {
				rb.Field(2).(*array.Float64Builder).Append(float64(id) * 1.5)
			}
			rb.Field(3).(*array.Date32Builder).Append(arrow.Date32(18000 + id%10))
			rb.Field(4).(*array.BooleanBuilder).Append(id%2 == 0)
			id++
		}
		out = append(out, rb.NewRecordBatch())
		rb.Release()
	}
	return out
}

// newMem returns a checked allocator asserted empty after every cleanup
// registered later (tables are released in cleanups).
func newMem(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func release(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func newTable(t testing.TB, mem memory.Allocator, nb, per int) *qmem.Table {
	bs := makeBatches(mem, nb, per)
	defer release(bs)
	tbl, err := qmem.NewTable(testSchema, bs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tbl.Release)
	return tbl
}

func TestConformance(t *testing.T) {
	mem := newMem(t)
	for _, shape := range []struct{ nb, per int }{{1, 7}, {5, 3}, {4, 1}} {
		t.Run(fmt.Sprintf("%dx%d", shape.nb, shape.per), func(t *testing.T) {
			sourcetest.Run(t, sourcetest.Harness{
				New: func(t testing.TB) catalog.Table { return newTable(t, mem, shape.nb, shape.per) },
				Filters: []expr.Expr{
					sourcetest.Cmp(testSchema, "id", expr.OpGt, 3),
					sourcetest.IsNull(testSchema, "name", false),
					sourcetest.Cmp(testSchema, "name", expr.OpEq, "n2"),
					sourcetest.Or(sourcetest.Cmp(testSchema, "amount", expr.OpLt, 3.0), sourcetest.Cmp(testSchema, "ok", expr.OpEq, true)),
				},
			})
		})
	}
}

func TestEmptyTableConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t testing.TB) catalog.Table {
			tbl, err := qmem.NewTable(testSchema)
			if err != nil {
				t.Fatal(err)
			}
			return tbl
		},
		AllowEmpty: true,
	})
}

func TestPartitionsAreParallel(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 6, 10)
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sc.Partitions()); n < 2 || n > 6 {
		t.Fatalf("6 batches gave %d partitions, want 2..6", n)
	}
}

func TestSnapshotIsolation(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 2, 5)
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	more := makeBatches(mem, 3, 4)
	rr, _ := array.NewRecordReader(testSchema, more)
	n, err := tbl.Insert(context.Background(), rr)
	rr.Release()
	release(more)
	if err != nil || n != 12 {
		t.Fatalf("Insert = %d, %v; want 12 rows", n, err)
	}
	if got := countRows(t, sc, mem); got != 10 {
		t.Errorf("scan planned before the insert read %d rows, want its snapshot's 10", got)
	}
	sc2, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if got := countRows(t, sc2, mem); got != 22 {
		t.Errorf("scan after the insert read %d rows, want 22", got)
	}
	st, _ := tbl.Statistics(context.Background())
	if st.NumRows != (catalog.Count{Value: 22, Precision: catalog.Exact}) {
		t.Errorf("NumRows = %+v, want 22 Exact", st.NumRows)
	}
	if st.Columns[0].Max.Value != int64(11) || st.Columns[0].Min.Value != int64(0) {
		t.Errorf("id min/max = %v/%v, want 0/11", st.Columns[0].Min.Value, st.Columns[0].Max.Value)
	}
}

func countRows(t *testing.T, sc catalog.Scan, mem memory.Allocator) int64 {
	t.Helper()
	var n int64
	for _, p := range sc.Partitions() {
		rr, err := p.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
			n += rr.RecordBatch().NumRows()
		}
		if err := rr.Err(); err != nil {
			t.Fatal(err)
		}
		rr.Release()
	}
	return n
}

func TestConcurrentInsertAndScan(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 1, 4)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			bs := makeBatches(mem, 1, 4)
			rr, _ := array.NewRecordReader(testSchema, bs)
			if _, err := tbl.Insert(context.Background(), rr); err != nil {
				t.Error(err)
			}
			rr.Release()
			release(bs)
		}()
		go func() {
			defer wg.Done()
			sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
			if err != nil {
				t.Error(err)
				return
			}
			if n := countRows(t, sc, mem); n%4 != 0 || n < 4 {
				t.Errorf("a concurrent scan saw %d rows: a partial insert was visible", n)
			}
		}()
	}
	wg.Wait()
	if n := tbl.NumRows(); n != 20 {
		t.Fatalf("NumRows = %d, want 20", n)
	}
}

func TestInsertCastsAndChecks(t *testing.T) {
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	tbl, err := qmem.NewTable(schema)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	in := arrow.NewSchema([]arrow.Field{{Name: "other_name", Type: arrow.PrimitiveTypes.Int32, Nullable: true}}, nil)
	b := array.NewRecordBuilder(mem, in)
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2}, nil)
	good := b.NewRecordBatch()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{0, 3}, []bool{false, true})
	withNull := b.NewRecordBatch()
	b.Release()
	defer good.Release()
	defer withNull.Release()

	rr, _ := array.NewRecordReader(in, []arrow.RecordBatch{good})
	if n, err := tbl.Insert(context.Background(), rr); err != nil || n != 2 {
		t.Fatalf("Insert(int32 into int64) = %d, %v; want 2, nil", n, err)
	}
	rr.Release()
	rr, _ = array.NewRecordReader(in, []arrow.RecordBatch{good, withNull})
	if _, err := tbl.Insert(context.Background(), rr); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("Insert of a NULL into a NOT NULL column: %v, want ErrInvalid", err)
	}
	rr.Release()
	if n := tbl.NumRows(); n != 2 {
		t.Fatalf("NumRows after a failed insert = %d, want 2", n)
	}
}

func TestDropWhileReading(t *testing.T) {
	mem := newMem(t)
	s := qmem.NewSchema("scratch")
	defer s.Release()
	bs := makeBatches(mem, 2, 3)
	tbl, _ := qmem.NewTable(testSchema, bs...)
	release(bs)
	if err := s.AddTable("t", tbl); err != nil {
		t.Fatal(err)
	}
	sc, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	parts := sc.Partitions()
	rr, err := parts[0].Open(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DropTable(context.Background(), "T", false); err != nil {
		t.Fatal(err)
	}
	n := int64(0)
	for rr.Next() {
		n += rr.RecordBatch().NumRows()
	}
	rr.Release()
	if n == 0 {
		t.Errorf("a reader opened before DROP read nothing")
	}
	if _, err := parts[1].Open(context.Background(), mem); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Open after DROP: %v, want ErrNotFound", err)
	}
}

func TestSchemaDDL(t *testing.T) {
	ctx := context.Background()
	s := qmem.NewSchema("scratch")
	defer s.Release()
	if err := s.CreateTable(ctx, "Sales", testSchema, false); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(ctx, "sales", testSchema, false); !errors.Is(err, errs.ErrAlreadyExists) {
		t.Errorf("second CREATE: %v, want ErrAlreadyExists", err)
	}
	if err := s.CreateTable(ctx, "sales", testSchema, true); err != nil {
		t.Errorf("CREATE IF NOT EXISTS: %v", err)
	}
	dup := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "A", Type: arrow.PrimitiveTypes.Int64}}, nil)
	if err := s.CreateTable(ctx, "d", dup, false); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("duplicate columns: %v, want ErrInvalid", err)
	}
	names, _ := s.TableNames(ctx)
	if fmt.Sprint(names) != "[Sales]" {
		t.Errorf("TableNames = %v", names)
	}
	if _, err := s.Table(ctx, "SALES"); err != nil {
		t.Errorf("case-insensitive lookup: %v", err)
	}
	if _, err := s.Table(ctx, "nope"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("unknown table: %v", err)
	}
	if err := s.DropTable(ctx, "nope", false); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("DROP unknown: %v", err)
	}
	if err := s.DropTable(ctx, "nope", true); err != nil {
		t.Errorf("DROP IF EXISTS unknown: %v", err)
	}
	if err := s.DropTable(ctx, "sales", false); err != nil {
		t.Errorf("DROP: %v", err)
	}
	if names, _ := s.TableNames(ctx); len(names) != 0 {
		t.Errorf("after DROP: %v", names)
	}
}

func TestFactory(t *testing.T) {
	f := qmem.Factory()
	if f.Table != nil || f.Schema == nil {
		t.Fatal("memory.Factory must build schemas only")
	}
	s, err := f.Schema(context.Background(), catalog.ProviderOptions{Path: "catalogs.demo.schemas.scratch"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(catalog.Creatable); !ok {
		t.Fatal("the memory schema is not Creatable")
	}
	_, err = f.Schema(context.Background(), catalog.ProviderOptions{Path: "x.scratch", Values: map[string]any{"size": 1}})
	if !errors.Is(err, errs.ErrInvalid) || !contains(err.Error(), "x.scratch.size") {
		t.Fatalf("unknown option: %v, want ErrInvalid naming x.scratch.size", err)
	}
	r := catalog.NewRegistry()
	if err := r.Register("memory", f); err != nil {
		t.Fatal(err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// ExampleNewTable builds a table from batches, scans it with a pushed
// projection and limit, and reads the partitions.
func ExampleNewTable() {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "city", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"Oslo", "Lima", "Pune"}, nil)
	batch := b.NewRecordBatch()
	b.Release()

	tbl, err := qmem.NewTable(schema, batch)
	batch.Release() // the table holds its own reference
	if err != nil {
		panic(err)
	}
	defer tbl.Release()

	scan, _ := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{1}, Limit: 2})
	for _, p := range scan.Partitions() {
		rr, _ := p.Open(context.Background(), memory.DefaultAllocator)
		for rr.Next() {
			fmt.Println(rr.RecordBatch().Column(0))
		}
		rr.Release()
	}
	// Output: ["Oslo" "Lima"]
}
