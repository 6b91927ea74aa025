package expr

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// column of n copies of lit, NULL where i%4 == 3 when withNulls.
func litColumn(t *testing.T, mem memory.Allocator, lit *Literal, n int, withNulls bool) arrow.Array {
	t.Helper()
	one, err := literalArray(mem, lit)
	if err != nil {
		t.Fatal(err)
	}
	defer one.Release()
	choice := make([]int32, n)
	for i := range choice {
		if withNulls && i%4 == 3 {
			choice[i] = -1
		}
	}
	out, err := selectRows(mem, lit.DataType, []arrow.Array{one}, choice, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dec(s string) *Literal {
	l, err := NewDecimalLiteral(s)
	if err != nil {
		panic(err)
	}
	return l
}

func date(s string) *Literal {
	return &Literal{DataType: TypeDate, Value: arrow.Date32FromTime(mustTime(s))}
}

func ts(s string) *Literal {
	tm, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return &Literal{DataType: TypeTimestamp, Value: arrow.Timestamp(tm.UnixMicro())}
}

func str(s string) *Literal { return NewLiteral(s) }

// TestFunctionKernels runs each function over columns (not constants) at
// every batch size, with the first argument NULL on every fourth row: the
// other rows must give want, the NULL rows NULL (nullOK: the function does
// not propagate NULL and gives nullWant there).
func TestFunctionKernels(t *testing.T) {
	cases := []struct {
		fn       string
		args     []*Literal
		want     string
		nullWant string // result on rows whose first argument is NULL
	}{
		{"concat_ws", []*Literal{str(","), str("a"), str("b")}, "'a,b'", "NULL"},
		{"concat_ws", []*Literal{str("-"), str("a"), Null(TypeString)}, "'a'", "NULL"},
		{"left", []*Literal{str("Ünïcode"), NewLiteral(3)}, "'Ünï'", "NULL"},
		{"right", []*Literal{str("abcdef"), NewLiteral(2)}, "'ef'", "NULL"},
		{"lpad", []*Literal{str("7"), NewLiteral(3), str("0")}, "'007'", "NULL"},
		{"rpad", []*Literal{str("ab"), NewLiteral(5), str("xy")}, "'abxyx'", "NULL"},
		{"repeat", []*Literal{str("ab"), NewLiteral(2)}, "'abab'", "NULL"},
		{"reverse", []*Literal{str("héllo")}, "'olléh'", "NULL"},
		{"locate", []*Literal{str("LO"), str("hello")}, "4", "NULL"},
		{"instr", []*Literal{str("Straße"), str("E")}, "6", "NULL"},
		{"trim", []*Literal{str("xxaxx"), str("x"), str("LEADING")}, "'axx'", "NULL"},
		{"substring", []*Literal{str("Sakila"), NewLiteral(-3)}, "'ila'", "NULL"},
		{"substring_index", []*Literal{str("a.b.c"), str("."), NewLiteral(-2)}, "'b.c'", "NULL"},
		{"strcmp", []*Literal{str("abc"), str("ABD")}, "-1", "NULL"},
		{"field", []*Literal{str("b"), str("a"), str("B")}, "2", "0"},
		{"elt", []*Literal{NewLiteral(2), str("a"), str("b")}, "'b'", "NULL"},
		{"hex", []*Literal{NewLiteral(255)}, "'FF'", "NULL"},
		{"format", []*Literal{dec("1234567.891"), NewLiteral(2)}, "'1,234,567.89'", "NULL"},
		{"format", []*Literal{NewLiteral(0.125), NewLiteral(2)}, "'0.13'", "NULL"},
		{"ascii", []*Literal{str("A")}, "65", "NULL"},
		{"sqrt", []*Literal{NewLiteral(16.0)}, "4", "NULL"},
		{"sqrt", []*Literal{NewLiteral(-1.0)}, "NULL", "NULL"},
		{"pow", []*Literal{NewLiteral(2), NewLiteral(10)}, "1024", "NULL"},
		{"log", []*Literal{NewLiteral(2), NewLiteral(8)}, "3", "NULL"},
		{"sign", []*Literal{dec("-0.5")}, "-1", "NULL"},
		{"truncate", []*Literal{dec("-1.999"), NewLiteral(1)}, "-1.900", "NULL"}, // non-constant digits keep the scale
		{"round", []*Literal{dec("2.5")}, "3", "NULL"},
		{"round", []*Literal{NewLiteral(2.5)}, "2", "NULL"},
		{"round", []*Literal{dec("1.298"), NewLiteral(1)}, "1.300", "NULL"},
		{"year", []*Literal{date("2024-02-29")}, "2024", "NULL"},
		{"dayofweek", []*Literal{date("2007-02-03")}, "7", "NULL"},
		{"week", []*Literal{date("2008-12-31"), NewLiteral(1)}, "53", "NULL"},
		{"hour", []*Literal{ts("2024-01-02 13:14:15")}, "13", "NULL"},
		{"last_day", []*Literal{date("2024-02-05")}, "DATE '2024-02-29'", "NULL"},
		{"date_add", []*Literal{date("2024-01-31"), NewLiteral(1), str("MONTH")}, "DATE '2024-02-29'", "NULL"},
		{"date_sub", []*Literal{ts("2024-03-01 00:00:00"), NewLiteral(1), str("SECOND")}, "TIMESTAMP '2024-02-29 23:59:59'", "NULL"},
		{"date_add", []*Literal{str("2024-01-31"), str("1:30"), str("HOUR_MINUTE")}, "'2024-01-31 01:30:00'", "NULL"},
		{"datediff", []*Literal{date("2024-03-01"), date("2024-02-01")}, "29", "NULL"},
		{"timestampdiff", []*Literal{str("MONTH"), ts("2024-01-31 00:00:00"), ts("2024-03-30 00:00:00")}, "1", "NULL"},
		{"date_format", []*Literal{date("2024-03-05"), str("%W %D %b %Y")}, "'Tuesday 5th Mar 2024'", "NULL"},
		{"str_to_date", []*Literal{str("05/03/2024"), str("%d/%m/%Y")}, "TIMESTAMP '2024-03-05 00:00:00'", "NULL"}, // format not constant: DATETIME,
		{"str_to_date", []*Literal{str("31/02/2024"), str("%d/%m/%Y")}, "NULL", "NULL"},
		{"dayname", []*Literal{date("2024-03-05")}, "'Tuesday'", "NULL"},
		{"isnull", []*Literal{NewLiteral(1)}, "FALSE", "TRUE"},
		{"interval", []*Literal{NewLiteral(23), NewLiteral(1), NewLiteral(15), NewLiteral(30)}, "2", "-1"},
	}
	for _, c := range cases {
		for _, n := range batchSizes {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			fields := make([]arrow.Field, len(c.args))
			cols := make([]arrow.Array, len(c.args))
			args := make([]Expr, len(c.args))
			for k, l := range c.args {
				fields[k] = arrow.Field{Name: string(rune('a' + k)), Type: l.DataType, Nullable: true}
				cols[k] = litColumn(t, mem, l, n, k == 0)
				args[k] = &Column{Index: k, Name: fields[k].Name, DataType: l.DataType}
				if (c.fn == "date_add" || c.fn == "date_sub") && k == 2 || c.fn == "timestampdiff" && k == 0 {
					args[k] = l // the unit is a constant keyword
				}
			}
			if c.fn == "timestampdiff" {
				cols[0].Release()
				cols[0] = litColumn(t, mem, c.args[0], n, false)
				cols[1].Release()
				cols[1] = litColumn(t, mem, c.args[1], n, true)
			}
			batch := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
			for _, a := range cols {
				a.Release()
			}
			e, err := NewCall(c.fn, args)
			if err != nil {
				t.Fatalf("%s: %v", c.fn, err)
			}
			out, err := Eval(context.Background(), e, batch, mem)
			if err != nil {
				t.Fatalf("n=%d %s: %v", n, e, err)
			}
			if !arrow.TypeEqual(out.DataType(), e.Type()) {
				t.Errorf("%s: result type %s, declared %s", e, out.DataType(), e.Type())
			}
			got := render(out)
			for i := 0; i < n; i++ {
				want := c.want
				if i%4 == 3 {
					want = c.nullWant
				}
				if got[i] != want {
					t.Errorf("n=%d %s row %d = %s, want %s", n, e, i, got[i], want)
					break
				}
			}
			out.Release()
			batch.Release()
			mem.AssertSize(t, 0)
		}
	}
}

func TestUnsignedArithmetic(t *testing.T) {
	u := func(v uint64) *Literal { return NewLiteral(v) }
	cases := []struct {
		op   Op
		l, r *Literal
		want string
	}{
		{OpAdd, u(5), NewLiteral(-3), "2"},
		{OpSub, u(18446744073709551615), NewLiteral(1), "18446744073709551614"},
		{OpMul, u(3), NewLiteral(4), "12"},
		{OpIntDiv, u(7), NewLiteral(2), "3"},
		{OpMod, u(7), NewLiteral(0), "NULL"},
	}
	for _, c := range cases {
		e := ok(NewBinary(c.op, &Column{Index: 0, Name: "u", DataType: TypeUint64}, c.r))
		for _, n := range batchSizes {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			col := litColumn(t, mem, c.l, n, true)
			batch := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "u", Type: TypeUint64, Nullable: true}}, nil), []arrow.Array{col}, int64(n))
			col.Release()
			out, err := Eval(context.Background(), e, batch, mem)
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			for i, g := range render(out) {
				want := c.want
				if i%4 == 3 {
					want = "NULL"
				}
				if g != want {
					t.Errorf("n=%d %s row %d = %s, want %s", n, e, i, g, want)
					break
				}
			}
			out.Release()
			batch.Release()
			mem.AssertSize(t, 0)
		}
	}
	// Out of range names the expression and the unsigned type.
	e := ok(NewBinary(OpSub, &Column{Index: 0, Name: "u", DataType: TypeUint64}, NewLiteral(2)))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	col := litColumn(t, mem, u(1), 3, false)
	batch := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "u", Type: TypeUint64}}, nil), []arrow.Array{col}, 3)
	col.Release()
	defer batch.Release()
	if _, err := Eval(context.Background(), e, batch, mem); err == nil || !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "BIGINT UNSIGNED value is out of range in 'u - 2'") {
		t.Errorf("err = %v", err)
	}
}

func TestStatementTimeIsFixed(t *testing.T) {
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	ctx := WithStatement(context.Background(), at)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, fn := range []string{"now", "curdate", "curtime"} {
		e := ok(NewCall(fn, nil))
		if f, changed, _ := Fold(ctx, e); changed {
			t.Errorf("%s folded to %s: it is volatile", fn, f)
		}
		batch := testBatch(mem, 5)
		out, err := Eval(ctx, e, batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"now": "TIMESTAMP '2024-05-06 07:08:09'", "curdate": "DATE '2024-05-06'", "curtime": "TIME '07:08:09'"}[fn]
		for i, g := range render(out) {
			if g != want {
				t.Errorf("%s row %d = %s, want %s", fn, i, g, want)
			}
		}
		out.Release()
		batch.Release()
	}
	// RAND(seed) continues one sequence across the statement's batches.
	e := ok(NewCall("rand", []Expr{NewLiteral(3)}))
	var got []string
	for b := 0; b < 2; b++ {
		batch := testBatch(mem, 2)
		out, err := Eval(ctx, e, batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, render(out)...)
		out.Release()
		batch.Release()
	}
	r := newMySQLRand(3)
	for i, g := range got {
		if want := (&Literal{DataType: TypeFloat64, Value: r.next()}).String(); g != want {
			t.Errorf("rand(3) value %d = %s, want %s", i, g, want)
		}
	}
	if got[0] != "0.9057697559760601" {
		t.Errorf("rand(3) first value %s, want MySQL's 0.9057697559760601", got[0])
	}
}
