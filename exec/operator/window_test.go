package operator

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

var winSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "grp", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// winRows has NULL groups, NULL values and ties.
func winRows(n int) []row {
	rs := make([]row, n)
	for i := range rs {
		var g, v any = int64(i % 4), int64((i * 7) % 11)
		if i%9 == 4 {
			g = nil
		}
		if i%5 == 3 {
			v = nil
		}
		rs[i] = row{int64(n - i), g, v}
	}
	return rs
}

// refWindow computes, per row of rs, fn over the rows of its partition
// (same grp) ordered by (v NULLs first, id) given as a sorted slice and the
// row's position in it.
func refWindow(rs []row, fn func(part []row, pos int) any) map[int64]any {
	parts := map[any][]row{}
	for _, r := range rs {
		parts[r[1]] = append(parts[r[1]], r)
	}
	out := map[int64]any{}
	for _, p := range parts {
		sort.SliceStable(p, func(i, j int) bool {
			a, b := p[i][2], p[j][2]
			if (a == nil) != (b == nil) {
				return a == nil
			}
			if a != nil && a.(int64) != b.(int64) {
				return a.(int64) < b.(int64)
			}
			return p[i][0].(int64) < p[j][0].(int64)
		})
		for i, r := range p {
			out[r[0].(int64)] = fn(p, i)
		}
	}
	return out
}

func sameV(a, b any) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.(int64) == b.(int64))
}

func TestWindowFunctions(t *testing.T) {
	rows := winRows(60)
	id, grp, v := col(winSchema, "id"), col(winSchema, "grp"), col(winSchema, "v")
	sumV, err := expr.NewAggregate(expr.AggSum, v, false)
	if err != nil {
		t.Fatal(err)
	}
	maxV, _ := expr.NewAggregate(expr.AggMax, v, false)
	cnt, _ := expr.NewAggregate(expr.AggCount, nil, false)
	lag, err := expr.NewWindowCall(expr.WinLag, []expr.Expr{v, expr.NewLiteral(int64(-1))}, 1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rowsFrame := &expr.WindowFrame{Units: expr.FrameRows,
		Start: expr.FrameBound{Kind: expr.Preceding, Offset: expr.NewLiteral(int64(1))},
		End:   expr.FrameBound{Kind: expr.Following, Offset: expr.NewLiteral(int64(1))}}
	rangeFrame := &expr.WindowFrame{Units: expr.FrameRange,
		Start: expr.FrameBound{Kind: expr.Preceding, Offset: expr.NewLiteral(int64(2))},
		End:   expr.FrameBound{Kind: expr.Following, Offset: expr.NewLiteral(int64(2))}}
	mk := func(fn expr.WindowFunc, n int64, agg *expr.AggregateCall, frame *expr.WindowFrame) expr.WindowCall {
		c, err := expr.NewWindowCall(fn, nil, n, agg, frame)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	funcs := []expr.WindowCall{
		mk(expr.WinRowNumber, 0, nil, nil),
		mk(expr.WinRank, 0, nil, nil),
		mk(expr.WinDenseRank, 0, nil, nil),
		mk(expr.WinNtile, 3, nil, nil),
		lag,
		mk(expr.WinAggregate, 0, &sumV, nil),
		mk(expr.WinAggregate, 0, &maxV, rowsFrame),
		mk(expr.WinAggregate, 0, &cnt, rangeFrame),
	}
	// The reference, per function, by id. The window orders by v then id
	// (so ROWS frames are deterministic) but peers are v-ties only for
	// RANK and the default frame: the operator's order keys are (v, id),
	// so peers are single rows there; use an ORDER BY of v alone for the
	// peer-sensitive functions below.
	_ = id
	refs := []map[int64]any{
		refWindow(rows, func(p []row, i int) any { return int64(i + 1) }),
		refWindow(rows, func(p []row, i int) any {
			j := i
			for j > 0 && sameV(p[j-1][2], p[i][2]) {
				j--
			}
			return int64(j + 1)
		}),
		refWindow(rows, func(p []row, i int) any {
			d := int64(1)
			for j := 1; j <= i; j++ {
				if !sameV(p[j-1][2], p[j][2]) {
					d++
				}
			}
			return d
		}),
		refWindow(rows, func(p []row, i int) any { return ntileBucket(int64(i), int64(len(p)), 3) }),
		refWindow(rows, func(p []row, i int) any {
			if i == 0 {
				return int64(-1)
			}
			return p[i-1][2]
		}),
		refWindow(rows, func(p []row, i int) any { // RANGE UNBOUNDED PRECEDING..CURRENT ROW with peers
			end := i + 1
			for end < len(p) && sameV(p[end][2], p[i][2]) {
				end++
			}
			var s int64
			has := false
			for _, r := range p[:end] {
				if r[2] != nil {
					s += r[2].(int64)
					has = true
				}
			}
			if !has {
				return nil
			}
			return fmt.Sprint(s)
		}),
		refWindow(rows, func(p []row, i int) any {
			var m any
			for j := max(0, i-1); j <= min(len(p)-1, i+1); j++ {
				if x := p[j][2]; x != nil && (m == nil || x.(int64) > m.(int64)) {
					m = x
				}
			}
			return m
		}),
		refWindow(rows, func(p []row, i int) any {
			n := int64(0)
			for _, r := range p {
				x, y := p[i][2], r[2]
				if x == nil {
					if y == nil {
						n++
					}
				} else if y != nil && y.(int64) >= x.(int64)-2 && y.(int64) <= x.(int64)+2 {
					n++
				}
			}
			return n
		}),
	}
	for _, size := range batchSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			mem := newMem(t)
			// Peers: ORDER BY v only; ROW_NUMBER/ROWS frames then depend on
			// the order among v-ties, which is input order (stable sort):
			// feed the rows sorted by id so that it matches the reference.
			in := append([]row(nil), rows...)
			sort.Slice(in, func(i, j int) bool { return in[i][0].(int64) < in[j][0].(int64) })
			op := NewWindow(source(t, mem, winSchema, in, size), []expr.Expr{grp},
				[]SortKey{{Expr: v, NullsFirst: true}}, funcs, nil, mem, nil)
			got := drain(t, op)
			if err := op.Close(); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(rows) {
				t.Fatalf("got %d rows, want %d", len(got), len(rows))
			}
			for _, r := range got {
				key := r[0].(int64)
				for k, ref := range refs {
					if want, have := ref[key], r[3+k]; fmt.Sprint(want) != fmt.Sprint(have) {
						t.Errorf("id %d: %s = %v, want %v", key, funcs[k], have, want)
					}
				}
			}
		})
	}
}

func TestWindowEmptyAndBudget(t *testing.T) {
	mem := newMem(t)
	rn, _ := expr.NewWindowCall(expr.WinRowNumber, nil, 0, nil, nil)
	op := NewWindow(source(t, mem, winSchema, nil, 4), nil, nil, []expr.WindowCall{rn}, nil, mem, nil)
	if got := drain(t, op); len(got) != 0 {
		t.Errorf("empty input gave %d rows", len(got))
	}
	_ = op.Close()
	op = NewWindow(source(t, mem, winSchema, winRows(100), 16), nil, nil, []expr.WindowCall{rn}, nil, mem, NewBudget(64))
	if err := op.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := op.Next(context.Background()); err == nil {
		t.Error("a 64-byte budget did not stop the window")
	}
	if err := op.Close(); err != nil {
		t.Fatal(err)
	}
}
