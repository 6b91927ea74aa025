package operator

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

var recSchema = arrow.NewSchema([]arrow.Field{
	{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// recMember builds the member "SELECT step(n), s FROM wt [WHERE n < limit]".
func recMember(t *testing.T, wt *WorkTable, mem memory.Allocator, step func(n expr.Expr) expr.Expr, limit int64) func(context.Context) (Operator, error) {
	return func(ctx context.Context) (Operator, error) {
		n, s := col(recSchema, "n"), col(recSchema, "s")
		var in Operator = NewWorkTableScan(wt, recSchema)
		if limit > 0 {
			pred, err := expr.NewBinary(expr.OpLt, n, expr.NewLiteral(limit))
			if err != nil {
				return nil, err
			}
			in = NewFilter(in, pred, mem)
		}
		return NewProject(in, []expr.Expr{step(n), s}, recSchema, mem), nil
	}
}

func plusOne(t *testing.T) func(expr.Expr) expr.Expr {
	return func(n expr.Expr) expr.Expr {
		e, err := expr.NewBinary(expr.OpAdd, n, expr.NewLiteral(int64(1)))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

func TestRecursiveCTEUnionAll(t *testing.T) {
	anchor := []row{{int64(1), "a"}, {nil, "b"}, {int64(5), nil}}
	var want []row
	want = append(want, anchor...)
	for i := int64(2); i <= 8; i++ {
		want = append(want, row{i, "a"})
	}
	for i := int64(6); i <= 8; i++ {
		want = append(want, row{i, nil})
	}
	for _, size := range batchSizes {
		mem := newMem(t)
		wt := NewWorkTable()
		op := NewRecursiveCTE(source(t, mem, recSchema, anchor, size), recMember(t, wt, mem, plusOne(t), 8), wt, recSchema, false, 1000, mem, nil)
		got := drain(t, op)
		if err := op.Close(); err != nil {
			t.Fatal(err)
		}
		if err := op.Close(); err != nil { // idempotent
			t.Fatal(err)
		}
		assertRows(t, sortRows(got), sortRows(want))
		// Rounds come in order: the anchor's rows first.
		assertRows(t, got[:3], anchor)
	}
}

func TestRecursiveCTEDistinct(t *testing.T) {
	// step: CASE WHEN n >= 3 THEN 3 ELSE n + 1 END; NULL stays NULL and is
	// dropped as a duplicate (NULLs compare equal).
	step := func(n expr.Expr) expr.Expr {
		ge, err := expr.NewBinary(expr.OpGtEq, n, expr.NewLiteral(int64(3)))
		if err != nil {
			t.Fatal(err)
		}
		e, err := expr.NewCase([]expr.When{{Cond: ge, Then: expr.NewLiteral(int64(3))}}, plusOne(t)(n))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	anchor := []row{{int64(1), "a"}, {int64(1), "a"}, {nil, "b"}, {nil, "b"}}
	want := []row{{int64(1), "a"}, {nil, "b"}, {int64(2), "a"}, {int64(3), "a"}}
	for _, size := range batchSizes {
		mem := newMem(t)
		wt := NewWorkTable()
		budget := NewBudget(0)
		op := NewRecursiveCTE(source(t, mem, recSchema, anchor, size), recMember(t, wt, mem, step, 0), wt, recSchema, true, 1000, mem, budget)
		got := drain(t, op)
		if err := op.Close(); err != nil {
			t.Fatal(err)
		}
		assertRows(t, got, want)
		if budget.Used() != 0 {
			t.Fatalf("budget still holds %d bytes after Close", budget.Used())
		}
	}
}

func TestRecursiveCTEDepthLimit(t *testing.T) {
	for _, size := range batchSizes {
		mem := newMem(t)
		wt := NewWorkTable()
		op := NewRecursiveCTE(source(t, mem, recSchema, []row{{int64(1), "a"}, {nil, nil}}, size), recMember(t, wt, mem, plusOne(t), 0), wt, recSchema, false, 5, mem, nil)
		_, err := Drain(context.Background(), op)
		_ = op.Close()
		if !errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "Recursive query aborted after 6 iterations") {
			t.Fatalf("want ResourceExhausted after 6 iterations, got %v", err)
		}
	}
	// MySQL counts the rounds that read rows: 1..5 takes 5 (the fifth
	// reads 5 and adds nothing), 1..6 would start a sixth.
	mem := newMem(t)
	wt := NewWorkTable()
	op := NewRecursiveCTE(source(t, mem, recSchema, []row{{int64(1), "a"}}, 1), recMember(t, wt, mem, plusOne(t), 5), wt, recSchema, false, 5, mem, nil)
	got := drain(t, op)
	_ = op.Close()
	if len(got) != 5 {
		t.Fatalf("got %d rows, want 5", len(got))
	}
}

func TestRecursiveCTEBudget(t *testing.T) {
	mem := newMem(t)
	wt := NewWorkTable()
	budget := NewBudget(300)
	op := NewRecursiveCTE(source(t, mem, recSchema, testRecRows(50), 16), recMember(t, wt, mem, plusOne(t), 0), wt, recSchema, false, 1000, mem, budget)
	_, err := Drain(context.Background(), op)
	_ = op.Close()
	if !errors.Is(err, errs.ErrResourceExhausted) || !strings.Contains(err.Error(), "recursive common table expression") {
		t.Fatalf("want ResourceExhausted naming the recursive CTE, got %v", err)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget still holds %d bytes after Close", budget.Used())
	}
}

func TestRecursiveCTECloseBeforeOpenAndMemberError(t *testing.T) {
	mem := newMem(t)
	wt := NewWorkTable()
	op := NewRecursiveCTE(source(t, mem, recSchema, []row{{int64(1), "a"}}, 1), recMember(t, wt, mem, plusOne(t), 3), wt, recSchema, false, 10, mem, nil)
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}

	failing := func(context.Context) (Operator, error) { return nil, errs.Invalidf("member failed") }
	op = NewRecursiveCTE(source(t, mem, recSchema, []row{{int64(1), "a"}}, 1), failing, wt, recSchema, false, 10, mem, nil)
	_, err := Drain(context.Background(), op)
	_ = op.Close()
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("want the member's error, got %v", err)
	}

	panicking := func(context.Context) (Operator, error) { panic("boom") }
	op = NewRecursiveCTE(source(t, mem, recSchema, []row{{int64(1), "a"}}, 1), panicking, wt, recSchema, false, 10, mem, nil)
	_, err = Drain(context.Background(), op)
	_ = op.Close()
	if !errors.Is(err, errs.ErrInternal) {
		t.Fatalf("want ErrInternal from a panicking member, got %v", err)
	}
}

func testRecRows(n int) []row {
	out := make([]row, n)
	for i := range out {
		out[i] = row{int64(i), strings.Repeat("x", i%7)}
	}
	return out
}
