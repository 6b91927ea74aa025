package expr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

// constEval folds a constant expression and renders it.
func constEval(t *testing.T, e Expr) string {
	t.Helper()
	f, changed, err := Fold(context.Background(), e)
	if err != nil {
		t.Fatalf("fold %s: %v", e, err)
	}
	if _, isLit := e.(*Literal); !isLit && !changed {
		t.Fatalf("fold %s: not changed", e)
	}
	return f.String()
}

func TestLike(t *testing.T) {
	cases := []struct {
		s, p string
		esc  rune
		want bool
	}{
		{"ABC", "a%", 0, true},
		{"abc", "A_C", 0, true},
		{"abc", "a_", 0, false},
		{"abc", "%b%", 0, true},
		{"abc", "%C", 0, true},
		{"abc", "abc", 0, true},
		{"abcd", "abc", 0, false},
		{"a%c", `a\%c`, 0, true},
		{"abc", `a\%c`, 0, false},
		{"a_c", "a!_c", '!', true},
		{"abc", "a!_c", '!', false},
		{"", "%", 0, true},
		{"héllo", "H_LLO", 0, true},
		{"x.y", "x.y", 0, true},
		{"xzy", "x.y", 0, false},
		{"abcabc", "%b%c", 0, true},
	}
	for _, c := range cases {
		e := ok(NewLike(NewLiteral(c.s), NewLiteral(c.p), c.esc, false))
		if got := constEval(t, e); got != boolText(c.want) {
			t.Errorf("%q LIKE %q ESCAPE %q = %s, want %v", c.s, c.p, c.esc, got, c.want)
		}
	}
	// Column operand with NULLs, at all batch sizes; NOT LIKE too.
	checkRows(t, ok(NewLike(col(2), NewLiteral("a%"), 0, false)), func(i int) string {
		if i%7 == 6 {
			return "NULL"
		}
		return boolText(i%3 == 0)
	})
	checkRows(t, ok(NewLike(col(2), NewLiteral("S%"), 0, true)), func(i int) string {
		if i%7 == 6 {
			return "NULL"
		}
		return boolText(i%3 == 0)
	})
}

func TestInAndCase(t *testing.T) {
	checkRows(t, ok(NewIn(col(0), []Expr{NewLiteral(1), NewLiteral(3)}, false)), func(i int) string {
		if i%5 == 4 {
			return "NULL"
		}
		return boolText(i == 1 || i == 3)
	})
	// NULL in the list: no match → NULL.
	checkRows(t, ok(NewIn(col(5), []Expr{NewLiteral(1), NewLiteral(nil)}, true)), func(i int) string {
		if i == 1 {
			return "FALSE"
		}
		return "NULL"
	})
	// Non-literal items.
	checkRows(t, ok(NewIn(col(5), []Expr{col(0), NewLiteral(2)}, false)), func(i int) string {
		if i == 2 || i%5 != 4 {
			return "TRUE"
		}
		return "NULL"
	})
	// String items vs string column.
	checkRows(t, ok(NewIn(col(2), []Expr{NewLiteral("ABC"), NewLiteral("s1")}, false)), func(i int) string {
		if i%7 == 6 {
			return "NULL"
		}
		return boolText(i%3 == 0 || i == 1)
	})
	// CASE WHEN i > 2 THEN i WHEN b THEN 1.5 ELSE NULL END → DOUBLE
	c := ok(NewCase([]When{
		{Cond: ok(NewBinary(OpGt, col(0), NewLiteral(2))), Then: col(0)},
		{Cond: col(4), Then: NewLiteral(1.5)},
	}, nil))
	if TypeName(c.Type()) != "DOUBLE" {
		t.Fatalf("CASE type %s", TypeName(c.Type()))
	}
	checkRows(t, c, func(i int) string {
		if i > 2 && i%5 != 4 {
			return fmt.Sprint(i)
		}
		if i%4 != 3 && i%2 == 0 {
			return "1.5"
		}
		return "NULL"
	})
	sc := ok(NewSimpleCase(col(5), []Expr{NewLiteral(0), NewLiteral(1)}, []Expr{NewLiteral("zero"), NewLiteral("one")}, NewLiteral("many")))
	checkRows(t, sc, func(i int) string {
		switch i {
		case 0:
			return "'zero'"
		case 1:
			return "'one'"
		}
		return "'many'"
	})
}

func TestFunctions(t *testing.T) {
	cases := []struct {
		name string
		args []Expr
		want string
	}{
		{"lower", []Expr{NewLiteral("AbC")}, "'abc'"},
		{"UPPER", []Expr{NewLiteral("AbC")}, "'ABC'"},
		{"length", []Expr{NewLiteral("héllo")}, "6"},
		{"char_length", []Expr{NewLiteral("héllo")}, "5"},
		{"concat", []Expr{NewLiteral("a"), NewLiteral(1), NewLiteral(2.5)}, "'a12.5'"},
		{"concat", []Expr{NewLiteral("a"), NewLiteral(nil)}, "NULL"},
		{"substring", []Expr{NewLiteral("Quadratically"), NewLiteral(5)}, "'ratically'"},
		{"substr", []Expr{NewLiteral("Quadratically"), NewLiteral(5), NewLiteral(6)}, "'ratica'"},
		{"substring", []Expr{NewLiteral("Sakila"), NewLiteral(-3)}, "'ila'"},
		{"substring", []Expr{NewLiteral("Sakila"), NewLiteral(0)}, "''"},
		{"trim", []Expr{NewLiteral("  x  ")}, "'x'"},
		{"ltrim", []Expr{NewLiteral("  x  ")}, "'x  '"},
		{"rtrim", []Expr{NewLiteral("  x  ")}, "'  x'"},
		{"replace", []Expr{NewLiteral("www.mysql.com"), NewLiteral("w"), NewLiteral("Ww")}, "'WwWwWw.mysql.com'"},
		{"abs", []Expr{NewLiteral(-3)}, "3"},
		{"abs", []Expr{NewLiteral(-2.5)}, "2.5"},
		{"round", []Expr{NewLiteral(2.5)}, "2"},
		{"round", []Expr{ok(NewDecimalLiteral("2.5"))}, "3"},
		{"round", []Expr{ok(NewDecimalLiteral("-2.5"))}, "-3"},
		{"round", []Expr{ok(NewDecimalLiteral("1.298")), NewLiteral(1)}, "1.3"},
		{"round", []Expr{NewLiteral(1.298), NewLiteral(2)}, "1.3"},
		{"round", []Expr{NewLiteral(1234), NewLiteral(-2)}, "1200"},
		{"floor", []Expr{ok(NewDecimalLiteral("-1.5"))}, "-2"},
		{"ceil", []Expr{ok(NewDecimalLiteral("1.2"))}, "2"},
		{"ceiling", []Expr{NewLiteral(1.2)}, "2"},
		{"floor", []Expr{NewLiteral(7)}, "7"},
		{"mod", []Expr{NewLiteral(7), NewLiteral(3)}, "1"},
		{"mod", []Expr{NewLiteral(7), NewLiteral(0)}, "NULL"},
		{"coalesce", []Expr{NewLiteral(nil), NewLiteral(2), NewLiteral(3)}, "2"},
		{"ifnull", []Expr{NewLiteral(nil), NewLiteral("x")}, "'x'"},
		{"nullif", []Expr{NewLiteral(1), NewLiteral(1)}, "NULL"},
		{"nullif", []Expr{NewLiteral(1), NewLiteral(2)}, "1"},
		{"if", []Expr{NewLiteral(0), NewLiteral(1), NewLiteral(2)}, "2"},
		{"if", []Expr{NewLiteral(nil), NewLiteral(1), NewLiteral(2)}, "2"},
		{"if", []Expr{NewLiteral(true), NewLiteral(1), NewLiteral("b")}, "'1'"},
		{"greatest", []Expr{NewLiteral(1), NewLiteral(5), NewLiteral(3)}, "5"},
		{"least", []Expr{NewLiteral(1), NewLiteral(0.5)}, "0.5"},
		{"greatest", []Expr{NewLiteral(1), NewLiteral(nil)}, "NULL"},
		{"year", []Expr{NewLiteral("2024-03-15 10:00:00")}, "2024"},
		{"month", []Expr{NewLiteral("2024-03-15")}, "3"},
		{"day", []Expr{NewLiteral("2024-03-15")}, "15"},
		{"dayofmonth", []Expr{NewLiteral("2024-03-15")}, "15"},
		{"date", []Expr{NewLiteral("2024-03-15 10:11:12")}, "DATE '2024-03-15'"},
	}
	for _, c := range cases {
		e, err := NewCall(c.name, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := constEval(t, e); got != c.want {
			t.Errorf("%s = %s, want %s", e, got, c.want)
		}
	}
	if _, err := NewCall("nope", nil); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("unknown function: %v", err)
	}
	if _, err := NewCall("lower", nil); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("bad arity: %v", err)
	}
	// Column arguments with NULLs and constants mixed.
	checkRows(t, ok(NewCall("coalesce", []Expr{col(0), NewLiteral(-1)})), func(i int) string {
		if i%5 == 4 {
			return "-1"
		}
		return fmt.Sprint(i)
	})
	checkRows(t, ok(NewCall("upper", []Expr{col(2)})), func(i int) string {
		switch {
		case i%7 == 6:
			return "NULL"
		case i%3 == 0:
			return "'ABC'"
		}
		return fmt.Sprintf("'S%d'", i)
	})
	checkRows(t, ok(NewCall("year", []Expr{col(6)})), func(i int) string {
		return fmt.Sprint(mustTime("2024-01-01").AddDate(0, 0, i).Year())
	})
}

func TestUserFunction(t *testing.T) {
	reg := DefaultFunctions()
	err := reg.RegisterFunc("Twice", ScalarFunc{
		MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return []arrow.DataType{TypeInt64}, TypeInt64, nil
		},
		Kernel: func(kc KernelContext, args []arrow.Array) (arrow.Array, error) {
			in := args[0].(*array.Int64)
			b := array.NewInt64Builder(kc.Mem)
			defer b.Release()
			for i := 0; i < in.Len(); i++ {
				if in.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(2 * in.Value(i))
				}
			}
			return b.NewArray(), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCall("twice", []Expr{col(5)}); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("user function leaked into the default registry: %v", err)
	}
	e := ok(NewCallIn(reg, "twice", []Expr{col(5)}))
	checkRows(t, e, func(i int) string { return fmt.Sprint(2 * i) })
	if err := reg.RegisterFunc("bad", ScalarFunc{}); !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("bad registration: %v", err)
	}
}

func TestCast(t *testing.T) {
	cases := []struct {
		in   Expr
		to   arrow.DataType
		want string
	}{
		{NewLiteral("12abc"), TypeInt64, "12"},
		{NewLiteral("abc"), TypeInt64, "0"},
		{NewLiteral(" 1.5e1x"), TypeFloat64, "15"},
		{NewLiteral(2.5), TypeInt64, "3"},
		{NewLiteral(-2.5), TypeInt64, "-3"},
		{NewLiteral("3.14159"), Decimal(5, 2), "3.14"},
		{NewLiteral(7), Decimal(5, 2), "7.00"},
		{ok(NewDecimalLiteral("1.005")), Decimal(4, 2), "1.01"},
		{NewLiteral(12), TypeString, "'12'"},
		{NewLiteral(true), TypeString, "'1'"},
		{NewLiteral("2024-01-02"), TypeDate, "DATE '2024-01-02'"},
		{NewLiteral("2024-01-02 03:04:05.5"), TypeTimestamp, "TIMESTAMP '2024-01-02 03:04:05.5'"},
		{NewLiteral("not a date"), TypeDate, "NULL"},
		{NewLiteral("10:11:12"), TypeTime, "TIME '10:11:12'"},
		{NewLiteral("0.0"), TypeBool, "FALSE"},
		{NewLiteral(3), TypeBool, "TRUE"},
		{&Literal{DataType: TypeDate, Value: arrow.Date32(19724)}, TypeString, "'2024-01-02'"},
	}
	for _, c := range cases {
		got := constEval(t, &Cast{Input: c.in, To: c.to})
		if got != c.want {
			t.Errorf("CAST(%s AS %s) = %s, want %s", c.in, TypeName(c.to), got, c.want)
		}
	}
	if _, err := NewCast(NewLiteral(1), arrow.ListOf(TypeInt64)); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("cast to list: %v", err)
	}
	if _, _, err := Fold(context.Background(), &Cast{Input: NewLiteral(300), To: arrow.PrimitiveTypes.Int8}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("out of range cast: %v", err)
	}
	// Column casts at all batch sizes.
	checkRows(t, &Cast{Input: col(3), To: TypeInt64}, func(i int) string { return fmt.Sprint(i) })
	checkRows(t, &Cast{Input: col(0), To: TypeString}, func(i int) string {
		if i%5 == 4 {
			return "NULL"
		}
		return fmt.Sprintf("'%d'", i)
	})
}

func TestLiteralStringAndTypeName(t *testing.T) {
	cases := []struct {
		l    *Literal
		want string
	}{
		{NewLiteral("it's"), "'it''s'"},
		{NewLiteral(12), "12"},
		{NewLiteral(1.5), "1.5"},
		{NewLiteral(nil), "NULL"},
		{NewLiteral(true), "TRUE"},
		{NewLiteral(false), "FALSE"},
		{&Literal{DataType: TypeDate, Value: arrow.Date32(19724)}, "DATE '2024-01-02'"},
		{&Literal{DataType: TypeTimestamp, Value: arrow.Timestamp(1704164645000000)}, "TIMESTAMP '2024-01-02 03:04:05'"},
		{&Literal{DataType: Decimal(5, 2), Value: decimal128.FromI64(-1250)}, "-12.50"},
		{NewLiteral(uint64(7)), "7"},
	}
	for _, c := range cases {
		if got := c.l.String(); got != c.want {
			t.Errorf("got %s, want %s", got, c.want)
		}
	}
	names := map[string]arrow.DataType{
		"BIGINT": TypeInt64, "INT": arrow.PrimitiveTypes.Int32, "SMALLINT": arrow.PrimitiveTypes.Int16,
		"TINYINT": arrow.PrimitiveTypes.Int8, "BIGINT UNSIGNED": TypeUint64, "DOUBLE": TypeFloat64,
		"FLOAT": arrow.PrimitiveTypes.Float32, "DECIMAL(10,2)": Decimal(10, 2), "VARCHAR": TypeString,
		"VARBINARY": TypeBinary, "DATE": TypeDate, "DATETIME": TypeTimestamp, "TIME": TypeTime,
		"BOOLEAN": TypeBool, "NULL": TypeNull,
	}
	for want, typ := range names {
		if got := TypeName(typ); got != want {
			t.Errorf("TypeName(%s) = %s, want %s", typ, got, want)
		}
	}
}

func TestFilterBatch(t *testing.T) {
	for _, n := range batchSizes {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		batch := testBatch(mem, n)
		pred := ok(NewBinary(OpGt, col(0), NewLiteral(1)))
		out, err := FilterBatch(context.Background(), pred, batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for i := 0; i < n; i++ {
			if i > 1 && i%5 != 4 {
				want++
			}
		}
		if int(out.NumRows()) != want {
			t.Errorf("n=%d: %d rows, want %d", n, out.NumRows(), want)
		}
		out.Release()
		// All pass: the same batch comes back.
		all, err := FilterBatch(context.Background(), NewLiteral(true), batch, mem)
		if err != nil {
			t.Fatal(err)
		}
		if all != batch {
			t.Errorf("n=%d: all-pass filter copied the batch", n)
		}
		all.Release()
		batch.Release()
		mem.AssertSize(t, 0)
	}
}

func TestFold(t *testing.T) {
	e := ok(NewBinary(OpAdd, NewLiteral(1), NewLiteral(2)))
	f, changed, err := Fold(context.Background(), e)
	if err != nil || !changed || f.String() != "3" {
		t.Fatalf("fold: %v %v %v", f, changed, err)
	}
	if _, changed, _ := Fold(context.Background(), col(0)); changed {
		t.Fatal("column folded")
	}
	_, _, err = Fold(context.Background(), ok(NewBinary(OpMul, NewLiteral(int64(1)<<62), NewLiteral(4))))
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("overflow: %v", err)
	}
	if got := constEval(t, ok(NewBinary(OpDiv, NewLiteral(1), NewLiteral(3)))); got != "0.3333" {
		t.Fatalf("1/3 = %s", got)
	}
	if got := constEval(t, ok(NewBinary(OpIntDiv, NewLiteral(7.5), NewLiteral(2)))); got != "3" {
		t.Fatalf("7.5 DIV 2 = %s", got)
	}
	_, _, err = Fold(context.Background(), ok(NewBinary(OpSub, NewLiteral(uint64(1)), NewLiteral(uint64(2)))))
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "BIGINT UNSIGNED value is out of range") {
		t.Fatalf("unsigned underflow: %v", err)
	}
}

func TestAggregateTypes(t *testing.T) {
	cases := []struct {
		fn   AggFunc
		arg  Expr
		want string
	}{
		{AggCount, nil, "BIGINT"},
		{AggCount, col(2), "BIGINT"},
		{AggSum, col(0), "DECIMAL(38,0)"},
		{AggSum, col(3), "DECIMAL(38,2)"},
		{AggSum, col(1), "DOUBLE"},
		{AggAvg, col(0), "DECIMAL(38,4)"},
		{AggAvg, col(3), "DECIMAL(38,6)"},
		{AggAvg, col(1), "DOUBLE"},
		{AggSum, col(2), "DOUBLE"},
		{AggMin, col(6), "DATE"},
		{AggMax, col(2), "VARCHAR"},
	}
	for _, c := range cases {
		a, err := NewAggregate(c.fn, c.arg, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := TypeName(a.DataType); got != c.want {
			t.Errorf("%s: %s, want %s", a, got, c.want)
		}
	}
	if _, err := NewAggregate(AggSum, nil, false); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("SUM(*): %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	// MySQL: a DATE in arithmetic is the number YYYYMMDD (DATE '2001-02-03'
	// + 1 = 20010204), not an error.
	if e, err := NewBinary(OpAdd, col(6), NewLiteral(1)); err != nil || e.Type().ID() != arrow.INT64 {
		t.Errorf("date + 1: %v, %v", e, err)
	}
	if _, err := NewBinary(OpEq, col(6), NewLiteral("garbage")); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("date = 'garbage': %v", err)
	}
}

func BenchmarkCompareAnd1M(b *testing.B) {
	mem := memory.NewGoAllocator()
	const n = 1 << 20
	ib := array.NewInt64Builder(mem)
	fb := array.NewFloat64Builder(mem)
	for i := 0; i < n; i++ {
		ib.Append(int64(i % 1000))
		fb.Append(float64(i%777) / 3)
	}
	ia, fa := ib.NewArray(), fb.NewArray()
	defer ia.Release()
	defer fa.Release()
	ib.Release()
	fb.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: TypeInt64}, {Name: "b", Type: TypeFloat64}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{ia, fa}, n)
	defer batch.Release()
	a := &Column{Index: 0, Name: "a", DataType: TypeInt64}
	bc := &Column{Index: 1, Name: "b", DataType: TypeFloat64}
	pred := ok(NewBinary(OpAnd, ok(NewBinary(OpGt, a, NewLiteral(500))), ok(NewBinary(OpLt, bc, NewLiteral(100.0)))))
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, err := Eval(ctx, pred, batch, mem)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}
