package expr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/quiverdb/quiver/errs"
)

var batchSizes = []int{1, 2, 3, 16, 1024}

// testBatch builds a batch with columns:
//
//	0 i   BIGINT     i (NULL every 5th row)
//	1 f   DOUBLE     i/2
//	2 s   VARCHAR    "s<i>" ("ABC" for i%3==0; NULL every 7th row)
//	3 d   DECIMAL(10,2)  i + 0.25
//	4 b   BOOLEAN    i%2==0 (NULL every 4th row)
//	5 i32 INT        i
//	6 dt  DATE       2024-01-01 + i days
func testBatch(mem memory.Allocator, n int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i", Type: TypeInt64, Nullable: true},
		{Name: "f", Type: TypeFloat64, Nullable: true},
		{Name: "s", Type: TypeString, Nullable: true},
		{Name: "d", Type: Decimal(10, 2), Nullable: true},
		{Name: "b", Type: TypeBool, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "dt", Type: TypeDate, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	base := arrow.Date32FromTime(mustTime("2024-01-01"))
	for i := 0; i < n; i++ {
		if i%5 == 4 {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
		}
		b.Field(1).(*array.Float64Builder).Append(float64(i) / 2)
		switch {
		case i%7 == 6:
			b.Field(2).AppendNull()
		case i%3 == 0:
			b.Field(2).(*array.StringBuilder).Append("ABC")
		default:
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("s%d", i))
		}
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)*100 + 25))
		if i%4 == 3 {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.BooleanBuilder).Append(i%2 == 0)
		}
		b.Field(5).(*array.Int32Builder).Append(int32(i))
		b.Field(6).(*array.Date32Builder).Append(base + arrow.Date32(i))
	}
	return b.NewRecordBatch()
}

func col(i int) *Column {
	names := []string{"i", "f", "s", "d", "b", "i32", "dt"}
	types := []arrow.DataType{TypeInt64, TypeFloat64, TypeString, Decimal(10, 2), TypeBool, arrow.PrimitiveTypes.Int32, TypeDate}
	return &Column{Index: i, Name: names[i], DataType: types[i]}
}

// ok unwraps a constructor result; construction errors are test bugs.
func ok(e Expr, err error) Expr {
	if err != nil {
		panic(err)
	}
	return e
}

// render returns row values as text ("NULL" for nulls).
func render(a arrow.Array) []string {
	out := make([]string, a.Len())
	for i := range out {
		if a.IsNull(i) {
			out[i] = "NULL"
			continue
		}
		out[i] = LiteralAt(a, i).String()
	}
	return out
}

// evalRows evaluates e over a batch of n rows and checks each row against
// want(i) (rendered as by Literal.String, "NULL" for NULL).
func checkRows(t *testing.T, e Expr, want func(i int) string) {
	t.Helper()
	for _, n := range batchSizes {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		batch := testBatch(mem, n)
		out, err := Eval(context.Background(), e, batch, mem)
		if err != nil {
			batch.Release()
			t.Fatalf("n=%d: eval %s: %v", n, e, err)
		}
		if out.Len() != n {
			t.Fatalf("n=%d: %s returned %d rows", n, e, out.Len())
		}
		if !arrow.TypeEqual(out.DataType(), e.Type()) {
			t.Errorf("n=%d: %s: result type %s, declared %s", n, e, out.DataType(), e.Type())
		}
		got := render(out)
		for i := 0; i < n; i++ {
			if w := want(i); got[i] != w {
				t.Errorf("n=%d: %s row %d = %s, want %s", n, e, i, got[i], w)
				break
			}
		}
		out.Release()
		batch.Release()
		mem.AssertSize(t, 0)
	}
}

func boolText(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

func TestComparisonAndLogic(t *testing.T) {
	iNull := func(i int) bool { return i%5 == 4 }
	bNull := func(i int) bool { return i%4 == 3 }
	cases := []struct {
		name string
		e    Expr
		want func(i int) string
	}{
		{"i > 5", ok(NewBinary(OpGt, col(0), NewLiteral(5))), func(i int) string {
			if iNull(i) {
				return "NULL"
			}
			return boolText(i > 5)
		}},
		{"i32 <= 2 (literal retyped)", ok(NewBinary(OpLtEq, col(5), NewLiteral(2))), func(i int) string { return boolText(i <= 2) }},
		{"f = i (int vs double)", ok(NewBinary(OpEq, col(1), col(0))), func(i int) string {
			if iNull(i) {
				return "NULL"
			}
			return boolText(i == 0)
		}},
		{"i <=> NULL", ok(NewBinary(OpNullSafeEq, col(0), NewLiteral(nil))), func(i int) string { return boolText(iNull(i)) }},
		{"i = NULL", ok(NewBinary(OpEq, col(0), NewLiteral(nil))), func(i int) string { return "NULL" }},
		{"b AND i > 1", ok(NewBinary(OpAnd, col(4), ok(NewBinary(OpGt, col(0), NewLiteral(1))))), func(i int) string {
			// Kleene: FALSE dominates NULL.
			l, lnull := i%2 == 0, bNull(i)
			r, rnull := i > 1, iNull(i)
			switch {
			case (!lnull && !l) || (!rnull && !r):
				return "FALSE"
			case lnull || rnull:
				return "NULL"
			}
			return "TRUE"
		}},
		{"b OR i > 1", ok(NewBinary(OpOr, col(4), ok(NewBinary(OpGt, col(0), NewLiteral(1))))), func(i int) string {
			l, lnull := i%2 == 0, bNull(i)
			r, rnull := i > 1, iNull(i)
			switch {
			case (!lnull && l) || (!rnull && r):
				return "TRUE"
			case lnull || rnull:
				return "NULL"
			}
			return "FALSE"
		}},
		{"NOT b", ok(NewNot(col(4))), func(i int) string {
			if bNull(i) {
				return "NULL"
			}
			return boolText(i%2 != 0)
		}},
		{"i IS NULL", ok(NewIsNull(col(0), false)), func(i int) string { return boolText(iNull(i)) }},
		{"s IS NOT NULL", ok(NewIsNull(col(2), true)), func(i int) string { return boolText(i%7 != 6) }},
		{"s = 'ABC'", ok(NewBinary(OpEq, col(2), NewLiteral("ABC"))), func(i int) string {
			if i%7 == 6 {
				return "NULL"
			}
			return boolText(i%3 == 0)
		}},
		{"d >= 2.25 (decimal)", ok(NewBinary(OpGtEq, col(3), ok(NewDecimalLiteral("2.25")))), func(i int) string { return boolText(i >= 2) }},
		{"dt < '2024-01-03'", ok(NewBinary(OpLt, col(6), NewLiteral("2024-01-03"))), func(i int) string { return boolText(i < 2) }},
		{"i AND 1 (numbers as conditions)", ok(NewBinary(OpAnd, col(0), NewLiteral(1))), func(i int) string {
			if iNull(i) {
				return "NULL"
			}
			return boolText(i != 0)
		}},
		{"'12abc' = 12", ok(NewBinary(OpEq, NewLiteral("12abc"), NewLiteral(12))), func(int) string { return "TRUE" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkRows(t, c.e, c.want) })
	}
}

func TestLiteralRetypedForPushdown(t *testing.T) {
	e := ok(NewBinary(OpGt, col(5), NewLiteral(10))).(*Binary)
	if _, isCol := e.Left.(*Column); !isCol {
		t.Fatalf("column side was cast: %s", e)
	}
	if e.String() != "i32 > 10" {
		t.Fatalf("got %s", e)
	}
	e = ok(NewBinary(OpEq, col(6), NewLiteral("2024-01-02"))).(*Binary)
	if e.String() != "dt = DATE '2024-01-02'" {
		t.Fatalf("got %s", e)
	}
	// 1.5 does not fit an INT: the column is converted instead.
	e = ok(NewBinary(OpGt, col(5), NewLiteral(1.5))).(*Binary)
	if e.String() != "CAST(i32 AS DOUBLE) > 1.5" {
		t.Fatalf("got %s", e)
	}
}

func TestArithmetic(t *testing.T) {
	iNull := func(i int) bool { return i%5 == 4 }
	cases := []struct {
		name string
		e    Expr
		typ  string
		want func(i int) string
	}{
		{"i + i32", ok(NewBinary(OpAdd, col(0), col(5))), "BIGINT", func(i int) string {
			if iNull(i) {
				return "NULL"
			}
			return fmt.Sprint(2 * i)
		}},
		{"i * 2.5e0 (double)", ok(NewBinary(OpMul, col(0), NewLiteral(2.5))), "DOUBLE", func(i int) string {
			if iNull(i) {
				return "NULL"
			}
			return formatFloat(float64(i) * 2.5)
		}},
		{"i / 0", ok(NewBinary(OpDiv, col(0), NewLiteral(0))), "DECIMAL(23,4)", func(i int) string { return "NULL" }},
		{"i32 / 4", ok(NewBinary(OpDiv, col(5), NewLiteral(4))), "DECIMAL(14,4)", func(i int) string {
			return fmt.Sprintf("%d.%04d", i/4, (i%4)*2500)
		}},
		{"i32 DIV 0", ok(NewBinary(OpIntDiv, col(5), NewLiteral(0))), "BIGINT", func(i int) string { return "NULL" }},
		{"i32 DIV 3", ok(NewBinary(OpIntDiv, col(5), NewLiteral(3))), "BIGINT", func(i int) string { return fmt.Sprint(i / 3) }},
		{"i32 % 3", ok(NewBinary(OpMod, col(5), NewLiteral(3))), "BIGINT", func(i int) string { return fmt.Sprint(i % 3) }},
		{"i32 % 0", ok(NewBinary(OpMod, col(5), NewLiteral(0))), "BIGINT", func(i int) string { return "NULL" }},
		{"f / 0", ok(NewBinary(OpDiv, col(1), NewLiteral(0))), "DOUBLE", func(i int) string { return "NULL" }},
		{"d + i32", ok(NewBinary(OpAdd, col(3), col(5))), "DECIMAL(13,2)", func(i int) string { return fmt.Sprintf("%d.25", 2*i) }},
		{"d * d", ok(NewBinary(OpMul, col(3), col(3))), "DECIMAL(20,4)", func(i int) string {
			v := (int64(i)*100 + 25) * (int64(i)*100 + 25)
			return fmt.Sprintf("%d.%04d", v/10000, v%10000)
		}},
		{"d / 2", ok(NewBinary(OpDiv, col(3), NewLiteral(2))), "DECIMAL(14,6)", func(i int) string {
			v := (int64(i)*100 + 25) * 10000 / 2 // scale 6
			return fmt.Sprintf("%d.%06d", v/1000000, v%1000000)
		}},
		{"'12abc' + 1", ok(NewBinary(OpAdd, NewLiteral("12abc"), NewLiteral(1))), "DOUBLE", func(int) string { return "13" }},
		{"'abc' + 1", ok(NewBinary(OpAdd, NewLiteral("abc"), NewLiteral(1))), "DOUBLE", func(int) string { return "1" }},
		{"-i", ok(NewNegate(col(0))), "BIGINT", func(i int) string {
			if iNull(i) {
				return "NULL"
			}
			return fmt.Sprint(-i)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if TypeName(c.e.Type()) != c.typ {
				t.Fatalf("%s: type %s, want %s", c.e, TypeName(c.e.Type()), c.typ)
			}
			checkRows(t, c.e, c.want)
		})
	}
}

func TestOverflowIsInvalid(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	batch := testBatch(mem, 16)
	defer batch.Release()
	e := ok(NewBinary(OpAdd, col(0), NewLiteral(int64(9223372036854775800))))
	_, err := Eval(context.Background(), e, batch, mem)
	if !errors.Is(err, errs.ErrInvalid) || !strings.Contains(err.Error(), "BIGINT value is out of range") {
		t.Fatalf("got %v", err)
	}
	// A NULL slot holding a huge value must not raise: build an array whose
	// NULL row stores MaxInt64.
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 9223372036854775807, 3}, []bool{true, false, true})
	arr := b.NewArray()
	b.Release()
	defer arr.Release()
	sch := arrow.NewSchema([]arrow.Field{{Name: "x", Type: TypeInt64, Nullable: true}}, nil)
	rb := array.NewRecordBatch(sch, []arrow.Array{arr}, 3)
	defer rb.Release()
	e = ok(NewBinary(OpAdd, &Column{Index: 0, Name: "x", DataType: TypeInt64}, NewLiteral(1)))
	out, err := Eval(context.Background(), e, rb, mem)
	if err != nil {
		t.Fatalf("overflow in a NULL row: %v", err)
	}
	defer out.Release()
	if got := strings.Join(render(out), ","); got != "2,NULL,4" {
		t.Fatalf("got %s", got)
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}
