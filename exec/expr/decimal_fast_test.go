package expr

import (
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// decArray builds a DECIMAL(p,s) array of vals (NULL where nulls says), then
// extra when non-nil (a NULL when extra is the zero Num).
func decArray(mem memory.Allocator, p, s int32, vals []int64, nulls []bool, extra *decimal128.Num) arrow.Array {
	b := array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: p, Scale: s})
	defer b.Release()
	for i, v := range vals {
		if nulls != nil && nulls[i] {
			b.AppendNull()
			continue
		}
		b.Append(decimal128.FromI64(v))
	}
	if extra != nil {
		if *extra == (decimal128.Num{}) {
			b.AppendNull()
		} else {
			b.Append(*extra)
		}
	}
	return b.NewArray()
}

// TestArithDecimalFastPathMatchesWide checks the int64 fast path against the
// 256-bit path on the same values: appending a row (value beyond int64, NULL)
// to a batch forces the whole batch onto the wide path, so the first rows of
// both results must be equal (values, NULLs, rounding, division by zero,
// range errors).
func TestArithDecimalFastPathMatchesWide(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	huge := decimal128.New(1, 0) // 2^64: not an int64
	zero := decimal128.Num{}
	type shape struct{ lp, ls, rp, rs int32 }
	shapes := []shape{{15, 2, 15, 2}, {15, 2, 3, 0}, {10, 4, 12, 1}, {18, 0, 18, 6}, {5, 5, 9, 3}}
	for _, op := range []Op{OpAdd, OpSub, OpMul, OpDiv, OpMod} {
		for _, sh := range shapes {
			for _, n := range []int{1, 2, 3, 16, 1024} {
				lvals, rvals := make([]int64, n), make([]int64, n)
				lnull, rnull := make([]bool, n), make([]bool, n)
				for i := range n {
					lvals[i] = rng.Int64N(2*bound(sh.lp)-1) - bound(sh.lp) + 1
					rvals[i] = rng.Int64N(2*min(bound(sh.rp), 1000)-1) - min(bound(sh.rp), 1000) + 1
					if i%7 == 0 {
						rvals[i] = 0
					}
					lnull[i] = i%5 == 3
					rnull[i] = i%11 == 4
				}
				to := resultDecimal(t, op, sh.lp, sh.ls, sh.rp, sh.rs)
				l := decArray(mem, sh.lp, sh.ls, lvals, lnull, nil)
				r := decArray(mem, sh.rp, sh.rs, rvals, rnull, nil)
				wl := decArray(mem, sh.lp, sh.ls, lvals, lnull, &huge)
				wr := decArray(mem, sh.rp, sh.rs, rvals, rnull, &zero)
				fast, ferr := arithDecimal(mem, op, l, r, to, n)
				wide, werr := arithDecimal(mem, op, wl, wr, to, n+1)
				if ferr != nil || werr != nil {
					if ferr != werr {
						t.Fatalf("%s %v n=%d: fast error %v, wide error %v", op, sh, n, ferr, werr)
					}
					for _, a := range []arrow.Array{l, r, wl, wr} {
						a.Release()
					}
					continue
				}
				fa, wa := fast.(*array.Decimal128), wide.(*array.Decimal128)
				for i := range n {
					if fa.IsNull(i) != wa.IsNull(i) || (!fa.IsNull(i) && fa.Value(i) != wa.Value(i)) {
						t.Fatalf("%s %v n=%d row %d: fast %s, wide %s (l=%d r=%d)", op, sh, n, i, fa.ValueStr(i), wa.ValueStr(i), lvals[i], rvals[i])
					}
				}
				for _, a := range []arrow.Array{l, r, fast, wl, wr, wide} {
					a.Release()
				}
			}
		}
	}
}

// bound is 10^p capped at 10^8 (operand magnitudes for DECIMAL(p,_)).
func bound(p int32) int64 {
	b := int64(1)
	for range min(p, 8) {
		b *= 10
	}
	return b
}

// resultDecimal is the result type the Binary constructor gives op over the
// two decimal types.
func resultDecimal(t *testing.T, op Op, lp, ls, rp, rs int32) *arrow.Decimal128Type {
	t.Helper()
	b, err := NewBinary(op, &Column{Index: 0, DataType: Decimal(lp, ls)}, &Column{Index: 1, DataType: Decimal(rp, rs)})
	if err != nil {
		t.Fatal(err)
	}
	return b.Type().(*arrow.Decimal128Type)
}

func TestArithDecimalFastPathOutOfRange(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	l := decArray(mem, 18, 0, []int64{999_999_999_999_999_999}, nil, nil)
	r := decArray(mem, 18, 0, []int64{1}, nil, nil)
	defer l.Release()
	defer r.Release()
	if _, err := arithDecimal(mem, OpAdd, l, r, &arrow.Decimal128Type{Precision: 18, Scale: 0}, 1); err != errOutOfRange {
		t.Fatalf("got %v, want out of range", err)
	}
}

// BenchmarkArithDecimalMul multiplies two DECIMAL(15,2) columns of 1024
// rows (TPC-H's l_extendedprice * (1 - l_discount) shape).
func BenchmarkArithDecimalMul(b *testing.B) {
	mem := memory.NewGoAllocator()
	n := 1024
	lv, rv := make([]int64, n), make([]int64, n)
	for i := range n {
		lv[i], rv[i] = int64(i*977%10_000_000), int64(90+i%10)
	}
	l, r := decArray(mem, 15, 2, lv, nil, nil), decArray(mem, 15, 2, rv, nil, nil)
	to := &arrow.Decimal128Type{Precision: 30, Scale: 4}
	b.ResetTimer()
	for range b.N {
		out, err := arithDecimal(mem, OpMul, l, r, to, n)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}
