package expr

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// TestHexLiteralNumericContexts checks MySQL's reading of hex and bit
// literals: the unsigned integer of their bytes where a number is wanted,
// a binary string elsewhere.
func TestHexLiteralNumericContexts(t *testing.T) {
	ctx := context.Background()
	hex := func(b ...byte) *Literal { return NewHexLiteral(b) }
	fold := func(e Expr, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		l, err := evalConstant(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		return l.String()
	}
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"0x10 + 1", fold(NewBinary(OpAdd, hex(0x10), NewLiteral(1))), "17"},
		{"b'101' * 2", fold(NewBinary(OpMul, hex(5), NewLiteral(2))), "10"},
		{"0x31 = 1", fold(NewBinary(OpEq, hex(0x31), NewLiteral(1))), "FALSE"},
		{"49 = 0x31", fold(NewBinary(OpEq, NewLiteral(49), hex(0x31))), "TRUE"},
		{"0x41 = 'A'", fold(NewBinary(OpEq, hex(0x41), NewLiteral("A"))), "TRUE"},
		{"CAST(0xb3 AS SIGNED)", fold(NewCast(hex(0xb3), TypeInt64)), "179"},
		{"CAST(0x8fffffffffffffff AS SIGNED)", fold(NewCast(hex(0x8f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), TypeInt64)), "-8070450532247928833"},
		{"CAST(0xffffffffffffffff AS UNSIGNED)", fold(NewCast(hex(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), TypeUint64)), "18446744073709551615"},
		{"CAST(0x01ffffffffffffffff AS UNSIGNED)", fold(NewCast(hex(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), TypeUint64)), "18446744073709551615"},
		{"CAST(0x0000000000000000ff AS UNSIGNED)", fold(NewCast(hex(0, 0, 0, 0, 0, 0, 0, 0, 0xff), TypeUint64)), "255"},
		{"CAST(0x41 AS CHAR)", fold(NewCast(hex(0x41), TypeString)), "'A'"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
	// Not a hex literal: a binary string reads as text ('12' → 12).
	plain := &Literal{DataType: TypeBinary, Value: []byte("12")}
	if got := fold(NewCast(plain, TypeInt64)); got != "12" {
		t.Errorf("CAST(BINARY '12' AS SIGNED) = %s, want 12", got)
	}
	if e, err := NewBinary(OpAdd, hex(1), NewLiteral(1)); err != nil || e.Type().ID() != arrow.UINT64 {
		t.Errorf("0x01 + 1: %v %v, want BIGINT UNSIGNED", e, err)
	}
}
