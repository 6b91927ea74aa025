package operator

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/errs"
	"github.com/quiverdb/quiver/exec/expr"
)

var (
	joinLeftSchema = arrow.NewSchema([]arrow.Field{
		{Name: "lk", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	joinRightSchema = arrow.NewSchema([]arrow.Field{
		{Name: "rk", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "rs", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "w", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
)

// joinTestRows makes n rows with duplicate keys and NULLs in every column.
func joinTestRows(n, seed int) []row {
	rows := make([]row, n)
	for i := range rows {
		r := row{int64((i * seed) % 7), fmt.Sprintf("s%d", (i+seed)%4), int64((i * 3) % 10)}
		if (i+seed)%5 == 0 {
			r[0] = nil
		}
		if (i+seed)%6 == 0 {
			r[1] = nil
		}
		if i%9 == 4 {
			r[2] = nil
		}
		rows[i] = r
	}
	return rows
}

type joinCase struct {
	name      string
	keys      [][2]int // (left column, right column)
	cond      bool     // v < w
	nullAware bool
}

// refJoin is the row-at-a-time definition the operators must agree with.
func refJoin(t JoinType, c joinCase, left, right []row) []row {
	cmpKey := func(l, r row) (eq, unknown bool) {
		eq = true
		for _, k := range c.keys {
			a, b := l[k[0]], r[k[1]]
			if a == nil || b == nil {
				unknown = true
				eq = false
				continue
			}
			if a != b {
				return false, false
			}
		}
		return eq && !unknown, unknown
	}
	condOK := func(l, r row) bool {
		if !c.cond {
			return true
		}
		return l[2] != nil && r[2] != nil && l[2].(int64) < r[2].(int64)
	}
	nulls := func(n int) row { return make(row, n) }
	var out []row
	rightMatched := make([]bool, len(right))
	for _, l := range left {
		matched := false
		for j, r := range right {
			eq, unknown := cmpKey(l, r)
			ok := eq && condOK(l, r)
			if c.nullAware {
				ok = (eq || unknown) && condOK(l, r)
			}
			if !ok {
				continue
			}
			matched = true
			rightMatched[j] = true
			if t != JoinSemi && t != JoinAnti {
				out = append(out, append(append(row{}, l...), r...))
			}
		}
		switch {
		case t == JoinSemi && matched, t == JoinAnti && !matched:
			out = append(out, l)
		case (t == JoinLeft || t == JoinFull) && !matched:
			out = append(out, append(append(row{}, l...), nulls(3)...))
		}
	}
	if t == JoinRight || t == JoinFull {
		for j, r := range right {
			if !rightMatched[j] {
				out = append(out, append(nulls(3), r...))
			}
		}
	}
	return sortRows(out)
}

func joinCond(t *testing.T) expr.Expr {
	combined := joinOutputSchema(JoinInner, joinLeftSchema, joinRightSchema)
	e, err := expr.NewBinary(expr.OpLt, col(combined, "v"), col(combined, "w"))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestJoinsAgreeWithReference(t *testing.T) {
	left, right := joinTestRows(37, 3), joinTestRows(23, 5)
	cases := []joinCase{
		{name: "int_key", keys: [][2]int{{0, 0}}},
		{name: "int_key_cond", keys: [][2]int{{0, 0}}, cond: true},
		{name: "string_key", keys: [][2]int{{1, 1}}},
		{name: "two_keys_cond", keys: [][2]int{{0, 0}, {1, 1}}, cond: true},
		{name: "cross", keys: nil},
		{name: "cross_cond", keys: nil, cond: true},
	}
	types := []JoinType{JoinInner, JoinLeft, JoinRight, JoinFull, JoinSemi, JoinAnti}
	for _, c := range cases {
		for _, jt := range types {
			want := refJoin(jt, c, left, right)
			for _, buildLeft := range []bool{false, true} {
				for _, hashed := range []bool{true, false} {
					if hashed && len(c.keys) == 0 {
						continue
					}
					for _, size := range batchSizes {
						name := fmt.Sprintf("%s/%d/buildLeft=%v/hashed=%v/%d", c.name, jt, buildLeft, hashed, size)
						t.Run(name, func(t *testing.T) {
							got := runJoin(t, jt, c, left, right, buildLeft, hashed, size)
							assertRows(t, sortRows(got), want)
						})
					}
				}
			}
		}
	}
}

func TestNullAwareAnti(t *testing.T) {
	left, right := joinTestRows(31, 3), joinTestRows(17, 5)
	noNullRight := joinTestRows(17, 5)
	for i := range noNullRight {
		if noNullRight[i][0] == nil {
			noNullRight[i][0] = int64(100 + i)
		}
		if noNullRight[i][1] == nil {
			noNullRight[i][1] = "zz"
		}
	}
	cases := []joinCase{
		{name: "one_key", keys: [][2]int{{0, 0}}, nullAware: true},
		{name: "one_key_cond", keys: [][2]int{{0, 0}}, cond: true, nullAware: true},
		{name: "two_keys", keys: [][2]int{{0, 0}, {1, 1}}, nullAware: true},
	}
	for _, c := range cases {
		for ri, r := range [][]row{right, noNullRight, nil} {
			want := refJoin(JoinAnti, c, left, r)
			for _, hashed := range []bool{true, false} {
				for _, size := range batchSizes {
					t.Run(fmt.Sprintf("%s/right%d/hashed=%v/%d", c.name, ri, hashed, size), func(t *testing.T) {
						got := runJoin(t, JoinAnti, c, left, r, false, hashed, size)
						assertRows(t, sortRows(got), want)
					})
				}
			}
		}
	}
	// Sanity of the reference: a NULL on the right empties NOT IN.
	if got := refJoin(JoinAnti, cases[0], left, right); len(got) != 0 {
		t.Fatalf("reference NOT IN with a NULL key kept %d rows", len(got))
	}
}

func runJoin(t *testing.T, jt JoinType, c joinCase, left, right []row, buildLeft, hashed bool, size int) []row {
	mem := newMem(t)
	spec := JoinSpec{Type: jt, BuildLeft: buildLeft, NullAware: c.nullAware && hashed}
	if c.cond {
		spec.Condition = joinCond(t)
	}
	if jt == JoinSemi || jt == JoinAnti {
		spec.Schema = joinLeftSchema
	} else {
		spec.Schema = joinOutputSchema(JoinInner, joinLeftSchema, joinRightSchema)
	}
	var lk, rk []expr.Expr
	for _, k := range c.keys {
		lk = append(lk, col(joinLeftSchema, joinLeftSchema.Field(k[0]).Name))
		rk = append(rk, col(joinRightSchema, joinRightSchema.Field(k[1]).Name))
	}
	l := source(t, mem, joinLeftSchema, left, size)
	r := source(t, mem, joinRightSchema, right, size)
	var op Operator
	if hashed {
		spec.LeftKeys, spec.RightKeys = lk, rk
		op = NewHashJoin(l, r, spec, mem, NewBudget(0))
	} else {
		var conj []expr.Expr
		for i := range lk {
			eq, err := expr.NewBinary(expr.OpEq, lk[i], ShiftColumns(rk[i], 3))
			if err != nil {
				t.Fatal(err)
			}
			if c.nullAware {
				isFalse, _ := expr.NewBinary(expr.OpNullSafeEq, eq, expr.NewLiteral(false))
				eq, _ = expr.NewNot(isFalse)
			}
			conj = append(conj, eq)
		}
		if spec.Condition != nil {
			conj = append(conj, spec.Condition)
		}
		spec.Condition = expr.Conjoin(conj)
		op = NewNestedLoopJoin(l, r, spec, mem, NewBudget(0))
	}
	return drain(t, op)
}

func TestJoinManyPartnersSplitsBatches(t *testing.T) {
	mem := newMem(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var rows []row
	for i := 0; i < 300; i++ {
		rows = append(rows, row{int64(1)})
	}
	l := source(t, mem, schema, rows, 1024)
	r := source(t, mem, schema, rows, 1024)
	spec := JoinSpec{Type: JoinInner, LeftKeys: []expr.Expr{col(schema, "k")}, RightKeys: []expr.Expr{col(schema, "k")}}
	op := NewHashJoin(l, r, spec, mem, nil)
	bs, err := Drain(context.Background(), op)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseBatches(bs)
	total := 0
	for _, b := range bs {
		if b.NumRows() > maxBatchRows {
			t.Fatalf("batch of %d rows", b.NumRows())
		}
		total += int(b.NumRows())
	}
	if total != 300*300 {
		t.Fatalf("got %d rows, want %d", total, 300*300)
	}
}

func TestCrossJoinOverBudget(t *testing.T) {
	mem := newMem(t)
	rows := joinTestRows(2000, 3)
	l := source(t, mem, joinLeftSchema, rows, 100)
	r := source(t, mem, joinRightSchema, rows, 100)
	budget := NewBudget(4096)
	op := NewNestedLoopJoin(l, r, JoinSpec{Type: JoinInner}, mem, budget)
	_, err := Drain(context.Background(), op)
	if !errors.Is(err, errs.ErrResourceExhausted) {
		t.Fatalf("got %v, want ResourceExhausted", err)
	}
	if budget.Used() != 0 {
		t.Fatalf("budget still holds %d bytes", budget.Used())
	}
}

func TestJoinCancelled(t *testing.T) {
	mem := newMem(t)
	l := source(t, mem, joinLeftSchema, joinTestRows(50, 3), 5)
	r := source(t, mem, joinRightSchema, joinTestRows(50, 5), 5)
	op := NewNestedLoopJoin(l, r, JoinSpec{Type: JoinInner}, mem, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Drain(ctx, op); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
