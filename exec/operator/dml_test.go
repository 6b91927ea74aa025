package operator

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/catalog"
	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

var dmlSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// dmlRows: id 0..n-1; qty = id%4 or NULL when id%5 == 2; name "n<id%3>" or
// NULL when id%7 == 3.
func dmlRows(n int) []row {
	out := make([]row, n)
	for i := range out {
		var qty, name any = int64(i % 4), fmt.Sprintf("n%d", i%3)
		if i%5 == 2 {
			qty = nil
		}
		if i%7 == 3 {
			name = nil
		}
		out[i] = row{int64(i), qty, name}
	}
	return out
}

// runEditor applies fn to batches as a Rewritable table would and returns
// the resulting rows and the affected count.
func runEditor(t *testing.T, mem memory.Allocator, fn catalog.RewriteFunc, batches []arrow.RecordBatch) ([]row, int64, error) {
	t.Helper()
	var out []row
	var affected int64
	for _, b := range batches {
		e, err := fn(context.Background(), b)
		if err != nil {
			releaseEdit(e)
			return nil, 0, err
		}
		in := rowsOf([]arrow.RecordBatch{b})
		vals := in
		if e.Values != nil {
			if !e.Values.Schema().Equal(dmlSchema) || e.Values.NumRows() != b.NumRows() {
				t.Fatalf("values %v with %d rows for a batch of %d", e.Values.Schema(), e.Values.NumRows(), b.NumRows())
			}
			vals = rowsOf([]arrow.RecordBatch{e.Values})
		}
		for i := range in {
			if e.Delete != nil && e.Delete.IsValid(i) && e.Delete.Value(i) {
				affected++
				continue
			}
			if e.Values != nil && (e.Changed == nil || (e.Changed.IsValid(i) && e.Changed.Value(i))) {
				affected++
				if fmt.Sprint(vals[i]) == fmt.Sprint(in[i]) {
					t.Errorf("row %v marked changed but equal", in[i])
				}
			} else if fmt.Sprint(vals[i]) != fmt.Sprint(in[i]) {
				t.Errorf("row %v became %v but is not marked changed", in[i], vals[i])
			}
			out = append(out, vals[i])
		}
		releaseEdit(e)
	}
	return out, affected, nil
}

func mustBinary(t *testing.T, op expr.Op, l, r expr.Expr) expr.Expr {
	t.Helper()
	e, err := expr.NewBinary(op, l, r)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRowEditorDelete(t *testing.T) {
	rows := dmlRows(40)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, dmlSchema, rows, size)
			defer releaseBatches(bs)
			// qty > 1: NULL qty rows are kept.
			where := mustBinary(t, expr.OpGt, col(dmlSchema, "qty"), expr.NewLiteral(int64(1)))
			got, n, err := runEditor(t, mem, NewRowEditor(dmlSchema, RowEdit{Where: where, Limit: -1}, mem), bs)
			if err != nil {
				t.Fatal(err)
			}
			var want []row
			for _, r := range rows {
				if r[1] == nil || r[1].(int64) <= 1 {
					want = append(want, r)
				}
			}
			assertRows(t, got, want)
			if n != int64(len(rows)-len(want)) {
				t.Errorf("affected %d, want %d", n, len(rows)-len(want))
			}
		})
	}
}

func TestRowEditorDeleteLimit(t *testing.T) {
	rows := dmlRows(40)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, dmlSchema, rows, size)
			defer releaseBatches(bs)
			where := mustBinary(t, expr.OpEq, col(dmlSchema, "qty"), expr.NewLiteral(int64(3)))
			got, n, err := runEditor(t, mem, NewRowEditor(dmlSchema, RowEdit{Where: where, Limit: 4}, mem), bs)
			if err != nil {
				t.Fatal(err)
			}
			// The first four rows with qty 3 in order go.
			var want []row
			left := 4
			for _, r := range rows {
				if left > 0 && r[1] != nil && r[1].(int64) == 3 {
					left--
					continue
				}
				want = append(want, r)
			}
			assertRows(t, got, want)
			if n != 4 {
				t.Errorf("affected %d, want 4", n)
			}
			// Without WHERE, LIMIT alone.
			got, n, err = runEditor(t, mem, NewRowEditor(dmlSchema, RowEdit{Limit: 5}, mem), bs)
			if err != nil || n != 5 || len(got) != 35 {
				t.Errorf("DELETE LIMIT 5: %d rows left, %d affected, %v", len(got), n, err)
			}
		})
	}
}

func TestRowEditorUpdate(t *testing.T) {
	rows := dmlRows(40)
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			bs := buildBatches(t, mem, dmlSchema, rows, size)
			defer releaseBatches(bs)
			// UPDATE SET qty = qty * 2, name = CONCAT(name, qty) WHERE id % 2 = 0:
			// the second assignment sees the doubled qty; qty 0 and NULL
			// doubled are unchanged, but name changes unless name or
			// qty is NULL (CONCAT with NULL is NULL: a NULL name stays).
			id, qty, name := col(dmlSchema, "id"), col(dmlSchema, "qty"), col(dmlSchema, "name")
			where := mustBinary(t, expr.OpEq, mustBinary(t, expr.OpMod, id, expr.NewLiteral(int64(2))), expr.NewLiteral(int64(0)))
			double := mustBinary(t, expr.OpMul, qty, expr.NewLiteral(int64(2)))
			concat, err := expr.NewCall("concat", []expr.Expr{name, mustCast(t, qty, arrow.BinaryTypes.String)})
			if err != nil {
				t.Fatal(err)
			}
			fn := NewRowEditor(dmlSchema, RowEdit{Where: where, SetColumns: []int{1, 2}, SetValues: []expr.Expr{double, concat}, Limit: -1}, mem)
			got, n, err := runEditor(t, mem, fn, bs)
			if err != nil {
				t.Fatal(err)
			}
			var want []row
			changed := 0
			for _, r := range rows {
				nr := append(row(nil), r...)
				if r[0].(int64)%2 == 0 {
					if r[1] != nil {
						nr[1] = r[1].(int64) * 2
					}
					if r[1] == nil || r[2] == nil {
						nr[2] = nil
					} else {
						nr[2] = r[2].(string) + fmt.Sprint(nr[1])
					}
				}
				if fmt.Sprint(nr) != fmt.Sprint(r) {
					changed++
				}
				want = append(want, nr)
			}
			assertRows(t, got, want)
			if n != int64(changed) {
				t.Errorf("affected %d, want %d", n, changed)
			}
		})
	}
}

func TestRowEditorUpdateErrorsOnlyOnMatchedRows(t *testing.T) {
	mem := newMem(t)
	bs := buildBatches(t, mem, dmlSchema, dmlRows(10), 4)
	defer releaseBatches(bs)
	qty := col(dmlSchema, "qty")
	big := mustBinary(t, expr.OpAdd, qty, expr.NewLiteral(int64(9223372036854775805)))
	// qty = 0 matches only rows where the addition fits.
	where := mustBinary(t, expr.OpEq, qty, expr.NewLiteral(int64(0)))
	_, n, err := runEditor(t, mem, NewRowEditor(dmlSchema, RowEdit{Where: where, SetColumns: []int{1}, SetValues: []expr.Expr{big}, Limit: -1}, mem), bs)
	if err != nil || n == 0 {
		t.Fatalf("matched rows only: %d affected, %v", n, err)
	}
	_, _, err = runEditor(t, mem, NewRowEditor(dmlSchema, RowEdit{SetColumns: []int{1}, SetValues: []expr.Expr{big}, Limit: -1}, mem), bs)
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("overflow on a matched row: %v, want ErrInvalid", err)
	}
}

func mustCast(t *testing.T, e expr.Expr, to arrow.DataType) expr.Expr {
	t.Helper()
	c, err := expr.NewCast(e, to)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
