package memory_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	qmem "github.com/quiverdb/quiver/sources/memory"
)

// batchShapes are the stored batch sizes the rewrite tests run at.
var batchShapes = []struct{ nb, per int }{{20, 1}, {10, 2}, {7, 3}, {3, 16}, {2, 1024}}

// ids reads column id of every row of tbl, sorted.
func ids(t *testing.T, tbl catalog.Table, mem memory.Allocator) []int64 {
	t.Helper()
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Projection: []int{0}, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, p := range sc.Partitions() {
		rr, err := p.Open(context.Background(), mem)
		if err != nil {
			t.Fatal(err)
		}
		for rr.Next() {
			out = append(out, rr.RecordBatch().Column(0).(*array.Int64).Int64Values()...)
		}
		if err := rr.Err(); err != nil {
			t.Fatal(err)
		}
		rr.Release()
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// boolMask builds a boolean array: f(i) gives the value, or nil for NULL.
func boolMask(mem memory.Allocator, n int, f func(i int) *bool) *array.Boolean {
	b := array.NewBooleanBuilder(mem)
	defer b.Release()
	for i := 0; i < n; i++ {
		if v := f(i); v == nil {
			b.AppendNull()
		} else {
			b.Append(*v)
		}
	}
	return b.NewBooleanArray()
}

func ptr[T any](v T) *T { return &v }

func TestRewriteDeletes(t *testing.T) {
	for _, shape := range batchShapes {
		t.Run(fmt.Sprintf("%dx%d", shape.nb, shape.per), func(t *testing.T) {
			mem := newMem(t)
			tbl := newTable(t, mem, shape.nb, shape.per)
			total := shape.nb * shape.per
			calls := 0
			// Delete ids divisible by 3; ids ≡ 1 (mod 3) get a NULL mask
			// (kept, as a NULL WHERE keeps a row).
			n, err := tbl.Rewrite(context.Background(), func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
				calls++
				id := b.Column(0).(*array.Int64)
				return catalog.BatchEdit{Delete: boolMask(mem, id.Len(), func(i int) *bool {
					if id.Value(i)%3 == 1 {
						return nil
					}
					return ptr(id.Value(i)%3 == 0)
				})}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var want []int64
			for i := 0; i < total; i++ {
				if i%3 != 0 {
					want = append(want, int64(i))
				}
			}
			if n != int64(total-len(want)) {
				t.Errorf("affected = %d, want %d", n, total-len(want))
			}
			if calls == 0 {
				t.Error("fn never called")
			}
			if got := ids(t, tbl, mem); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("ids after delete = %v, want %v", got, want)
			}
			st, _ := tbl.Statistics(context.Background())
			if st.NumRows.Value != int64(len(want)) || st.NumRows.Precision != catalog.Exact {
				t.Errorf("NumRows = %+v, want %d Exact", st.NumRows, len(want))
			}
		})
	}
}

// addTen returns an edit adding 10 to the id of rows with an even id; odd
// rows are rewritten with equal values and marked unchanged.
func addTen(mem memory.Allocator) catalog.RewriteFunc {
	return func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
		id := b.Column(0).(*array.Int64)
		nb := array.NewInt64Builder(mem)
		defer nb.Release()
		for i := 0; i < id.Len(); i++ {
			v := id.Value(i)
			if v%2 == 0 {
				v += 10
			}
			nb.Append(v)
		}
		col := nb.NewArray()
		defer col.Release()
		cols := append([]arrow.Array{col}, b.Columns()[1:]...)
		vals := array.NewRecordBatch(b.Schema(), cols, b.NumRows())
		changed := boolMask(mem, id.Len(), func(i int) *bool { return ptr(id.Value(i)%2 == 0) })
		return catalog.BatchEdit{Values: vals, Changed: changed}, nil
	}
}

func TestRewriteUpdates(t *testing.T) {
	for _, shape := range batchShapes {
		t.Run(fmt.Sprintf("%dx%d", shape.nb, shape.per), func(t *testing.T) {
			mem := newMem(t)
			tbl := newTable(t, mem, shape.nb, shape.per)
			total := shape.nb * shape.per
			n, err := tbl.Rewrite(context.Background(), addTen(mem))
			if err != nil {
				t.Fatal(err)
			}
			if want := int64((total + 1) / 2); n != want {
				t.Errorf("affected = %d, want %d (changed rows only)", n, want)
			}
			var want []int64
			for i := 0; i < total; i++ {
				if i%2 == 0 {
					want = append(want, int64(i+10))
				} else {
					want = append(want, int64(i))
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
			if got := ids(t, tbl, mem); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("ids after update = %v, want %v", got, want)
			}
			st, _ := tbl.Statistics(context.Background())
			if st.Columns[0].Max.Value != want[len(want)-1] {
				t.Errorf("id max = %v, want %d", st.Columns[0].Max.Value, want[len(want)-1])
			}
		})
	}
}

func TestRewriteDeleteAndUpdateTogether(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 3, 3)
	upd := addTen(mem)
	n, err := tbl.Rewrite(context.Background(), func(ctx context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
		e, err := upd(ctx, b)
		id := b.Column(0).(*array.Int64)
		e.Delete = boolMask(mem, id.Len(), func(i int) *bool { return ptr(id.Value(i) < 3) })
		return e, err
	})
	if err != nil {
		t.Fatal(err)
	}
	// deleted 0,1,2; changed (even, not deleted) 4,6,8.
	if n != 6 {
		t.Errorf("affected = %d, want 6", n)
	}
	if got := fmt.Sprint(ids(t, tbl, mem)); got != "[3 5 7 14 16 18]" {
		t.Errorf("ids = %s", got)
	}
}

func TestRewriteNothingAffectedKeepsSnapshot(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 2, 3)
	sc, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	n, err := tbl.Rewrite(context.Background(), func(context.Context, arrow.RecordBatch) (catalog.BatchEdit, error) {
		return catalog.BatchEdit{}, nil
	})
	if err != nil || n != 0 {
		t.Fatalf("Rewrite = %d, %v; want 0, nil", n, err)
	}
	if got := countRows(t, sc, mem); got != 6 {
		t.Errorf("scan planned before a no-op rewrite read %d rows, want 6", got)
	}
}

func TestRewriteIsAtomic(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 4, 3)
	boom := errs.Invalidf("boom")
	calls := 0
	_, err := tbl.Rewrite(context.Background(), func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
		calls++
		if calls == 3 {
			return catalog.BatchEdit{}, boom
		}
		return catalog.BatchEdit{Delete: boolMask(mem, int(b.NumRows()), func(int) *bool { return ptr(true) })}, nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the function's error", err)
	}
	if got := len(ids(t, tbl, mem)); got != 12 {
		t.Errorf("after a failed rewrite the table has %d rows, want all 12", got)
	}

	// A cancelled context changes nothing either.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = tbl.Rewrite(ctx, func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
		cancel()
		return catalog.BatchEdit{Delete: boolMask(mem, int(b.NumRows()), func(int) *bool { return ptr(true) })}, nil
	})
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("cancelled rewrite: err = %v, want ErrUnavailable", err)
	}
	if got := len(ids(t, tbl, mem)); got != 12 {
		t.Errorf("after a cancelled rewrite the table has %d rows, want 12", got)
	}

	// A panic in fn is an internal error, not a crash.
	_, err = tbl.Rewrite(context.Background(), func(context.Context, arrow.RecordBatch) (catalog.BatchEdit, error) {
		panic("bad edit")
	})
	if !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("panicking rewrite: err = %v, want ErrInternal", err)
	}
}

func TestRewriteRejectsBadValues(t *testing.T) {
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil) // NOT NULL
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 2, 3}, nil)
	col := b.NewArray()
	b.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 3)
	col.Release()
	tbl, err := qmem.NewNamedTable("s.t", schema, rec)
	rec.Release()
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	_, err = tbl.Rewrite(context.Background(), func(_ context.Context, in arrow.RecordBatch) (catalog.BatchEdit, error) {
		nb := array.NewInt64Builder(mem)
		defer nb.Release()
		nb.AppendValues([]int64{1, 0, 3}, []bool{true, false, true})
		c := nb.NewArray()
		defer c.Release()
		return catalog.BatchEdit{Values: array.NewRecordBatch(schema, []arrow.Array{c}, 3)}, nil
	})
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "'k' cannot be null") {
		t.Fatalf("NULL into NOT NULL: err = %v, want ErrInvalid naming k", err)
	}
	_, err = tbl.Rewrite(context.Background(), func(_ context.Context, in arrow.RecordBatch) (catalog.BatchEdit, error) {
		sb := array.NewStringBuilder(mem)
		defer sb.Release()
		sb.AppendValues([]string{"a", "b", "c"}, nil)
		c := sb.NewArray()
		defer c.Release()
		s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.BinaryTypes.String}}, nil)
		return catalog.BatchEdit{Values: array.NewRecordBatch(s, []arrow.Array{c}, 3)}, nil
	})
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("wrong type: err = %v, want ErrInvalid", err)
	}
	if got := fmt.Sprint(ids(t, tbl, mem)); got != "[1 2 3]" {
		t.Errorf("rows after rejected rewrites = %s", got)
	}
}

func TestRewriteEndsEpoch(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 2, 4)
	planned, err := tbl.Scan(context.Background(), catalog.ScanRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	open, err := planned.Partitions()[0].Open(context.Background(), mem)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Release()
	if _, err := tbl.Rewrite(context.Background(), func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
		return catalog.BatchEdit{Delete: boolMask(mem, int(b.NumRows()), func(int) *bool { return ptr(true) })}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// A reader opened before keeps its rows.
	var n int64
	for open.Next() {
		n += open.RecordBatch().NumRows()
	}
	if n == 0 || open.Err() != nil {
		t.Errorf("reader opened before the rewrite read %d rows, err %v", n, open.Err())
	}
	// A partition planned before but opened after refuses to open.
	if _, err := planned.Partitions()[len(planned.Partitions())-1].Open(context.Background(), mem); !errors.Is(err, errs.ErrUnavailable) {
		t.Errorf("stale partition: err = %v, want ErrUnavailable", err)
	}
	if got := len(ids(t, tbl, mem)); got != 0 {
		t.Errorf("%d rows left, want 0", got)
	}
}

func TestRewriteSerializesWithInsert(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 1, 4) // ids 0..3
	var wg sync.WaitGroup
	const inserters = 4
	for w := 0; w < inserters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bs := makeBatches(mem, 1, 4)
			rr, _ := array.NewRecordReader(testSchema, bs)
			defer rr.Release()
			defer release(bs)
			if _, err := tbl.Insert(context.Background(), rr); err != nil {
				t.Error(err)
			}
		}()
	}
	var mu sync.Mutex
	var deleted int64
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := tbl.Rewrite(context.Background(), func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
				id := b.Column(0).(*array.Int64)
				return catalog.BatchEdit{Delete: boolMask(mem, id.Len(), func(i int) *bool { return ptr(id.Value(i) == 0) })}, nil
			})
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			deleted += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	got := ids(t, tbl, mem)
	// Every inserted row survives unless a rewrite deleted it: rows =
	// 4 + 4×4 − deleted, and no id 0 is left.
	if int64(len(got)) != 4+4*inserters-deleted {
		t.Errorf("%d rows left, %d deleted: rows were lost", len(got), deleted)
	}
}

func TestTruncate(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 3, 5)
	if err := tbl.Truncate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(ids(t, tbl, mem)); got != 0 {
		t.Errorf("%d rows after TRUNCATE", got)
	}
	st, _ := tbl.Statistics(context.Background())
	if st.NumRows.Value != 0 {
		t.Errorf("NumRows after TRUNCATE = %d", st.NumRows.Value)
	}
	more := makeBatches(mem, 1, 2)
	rr, _ := array.NewRecordReader(testSchema, more)
	if _, err := tbl.Insert(context.Background(), rr); err != nil {
		t.Fatal(err)
	}
	rr.Release()
	release(more)
	if got := fmt.Sprint(ids(t, tbl, mem)); got != "[0 1]" {
		t.Errorf("ids after insert into truncated table = %s", got)
	}
}

func TestRewriteDroppedTable(t *testing.T) {
	mem := newMem(t)
	tbl := newTable(t, mem, 1, 2)
	tbl.Release()
	_, err := tbl.Rewrite(context.Background(), func(context.Context, arrow.RecordBatch) (catalog.BatchEdit, error) {
		return catalog.BatchEdit{}, nil
	})
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("rewrite of a dropped table: %v, want ErrNotFound", err)
	}
	if err := tbl.Truncate(context.Background()); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("truncate of a dropped table: %v, want ErrNotFound", err)
	}
}

// TestRewriteLargeTable rewrites a table whose inserted batches were split
// at MaxBatchRows, so edits span several stored batches and partitions.
func TestRewriteLargeTable(t *testing.T) {
	mem := newMem(t)
	per := qmem.MaxBatchRows + 1000
	tbl := newTable(t, mem, 2, per) // ids 0..2*per-1, stored as 4 batches
	total := 2 * per
	n, err := tbl.Rewrite(context.Background(), func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
		id := b.Column(0).(*array.Int64)
		return catalog.BatchEdit{Delete: boolMask(mem, id.Len(), func(i int) *bool { return ptr(id.Value(i)%10 != 0) })}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := (total + 9) / 10
	if n != int64(total-want) {
		t.Errorf("affected %d, want %d", n, total-want)
	}
	got := ids(t, tbl, mem)
	if len(got) != want || got[0] != 0 || got[len(got)-1] != int64((total-1)/10*10) {
		t.Errorf("%d ids left (first %d, last %d), want %d", len(got), got[0], got[len(got)-1], want)
	}
	for i, v := range got {
		if v != int64(i*10) {
			t.Fatalf("id %d at %d, want %d", v, i, i*10)
		}
	}
	// Updating every row keeps the count and the order of storage.
	n, err = tbl.Rewrite(context.Background(), addTen(mem))
	if err != nil || n != int64(want) {
		t.Fatalf("update all: %d, %v; want %d rows changed", n, err, want)
	}
	if st, _ := tbl.Statistics(context.Background()); st.NumRows.Value != int64(want) {
		t.Errorf("NumRows %d, want %d", st.NumRows.Value, want)
	}
}

// TestReleaseWaitsForRewrite drops a table while a rewrite reads it: the
// rewrite finishes on intact batches, then the table is released.
func TestReleaseWaitsForRewrite(t *testing.T) {
	mem := newMem(t)
	bs := makeBatches(mem, 3, 5)
	tbl, err := qmem.NewTable(testSchema, bs...)
	release(bs)
	if err != nil {
		t.Fatal(err)
	}
	inFn := make(chan struct{})
	released := make(chan struct{})
	var sum int64
	go func() {
		<-inFn
		tbl.Release()
		close(released)
	}()
	first := true
	_, err = tbl.Rewrite(context.Background(), func(_ context.Context, b arrow.RecordBatch) (catalog.BatchEdit, error) {
		if first {
			first = false
			close(inFn)
		}
		for _, v := range b.Column(0).(*array.Int64).Int64Values() {
			sum += v
		}
		return catalog.BatchEdit{}, nil
	})
	<-released
	if err != nil || sum != 14*15/2 {
		t.Fatalf("rewrite during release: sum %d, err %v; want 105, nil", sum, err)
	}
	if _, err := tbl.Rewrite(context.Background(), func(context.Context, arrow.RecordBatch) (catalog.BatchEdit, error) {
		return catalog.BatchEdit{}, nil
	}); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("rewrite after release: %v, want ErrNotFound", err)
	}
}
