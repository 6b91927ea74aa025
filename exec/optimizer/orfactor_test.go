package optimizer

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/quiverdb/quiver/exec/expr"
)

func TestFactorDisjunctions(t *testing.T) {
	col := func(i int, name string) expr.Expr {
		return &expr.Column{Index: i, Name: name, DataType: arrow.PrimitiveTypes.Int64}
	}
	cmp := func(op expr.Op, l expr.Expr, v int64) expr.Expr {
		e, err := expr.NewBinary(op, l, expr.NewLiteral(v))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	bin := func(op expr.Op, l, r expr.Expr) expr.Expr {
		e, err := expr.NewBinary(op, l, r)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b := col(0, "a"), col(1, "b")
	key := bin(expr.OpEq, a, b)
	x, y, z := cmp(expr.OpGt, a, 1), cmp(expr.OpLt, b, 5), cmp(expr.OpEq, a, 9)
	cases := []struct {
		in   expr.Expr
		want string
	}{
		{bin(expr.OpOr, bin(expr.OpAnd, key, x), bin(expr.OpAnd, key, y)), "(a = b) AND ((a > 1) OR (b < 5))"},
		{bin(expr.OpOr, bin(expr.OpOr, bin(expr.OpAnd, key, x), bin(expr.OpAnd, y, key)), bin(expr.OpAnd, key, z)), "(a = b) AND (((a > 1) OR (b < 5)) OR (a = 9))"},
		{bin(expr.OpOr, key, bin(expr.OpAnd, key, y)), "a = b"},
		{bin(expr.OpOr, x, y), "(a > 1) OR (b < 5)"},
	}
	for _, c := range cases {
		got, _ := factorExpr(c.in)
		if got.String() != c.want {
			t.Errorf("factor(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
