package expr

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Mixed signed/unsigned integer arithmetic. MySQL computes an operation
// with a BIGINT UNSIGNED operand as BIGINT UNSIGNED: CAST(5 AS UNSIGNED) +
// (-3) is 2, while CAST(1 AS UNSIGNED) - 2 fails with "BIGINT UNSIGNED
// value is out of range". The exact result is computed as sign and 64-bit
// magnitude, then checked against [0, 2^64).

func isSignedInt(t arrow.DataType) bool { c := classOf(t); return c == clsInt || c == clsBool }

// smag is a signed 65-bit integer: neg and magnitude.
type smag struct {
	neg bool
	mag uint64
}

func smagReader(a arrow.Array) func(i int) smag {
	if classOf(a.DataType()) == clsUint {
		r := uint64Reader(a)
		return func(i int) smag { u, _ := r(i); return smag{mag: u} }
	}
	r := int64Reader(a)
	return func(i int) smag {
		x, _ := r(i)
		if x < 0 {
			return smag{neg: true, mag: uint64(-(x + 1)) + 1}
		}
		return smag{mag: uint64(x)}
	}
}

// addSmag returns a+b; ok=false when the magnitude overflows 64 bits.
func addSmag(a, b smag) (smag, bool) {
	if a.neg == b.neg {
		s, c := bits.Add64(a.mag, b.mag, 0)
		return smag{neg: a.neg, mag: s}, c == 0
	}
	if a.mag >= b.mag {
		return smag{neg: a.neg, mag: a.mag - b.mag}, true
	}
	return smag{neg: b.neg, mag: b.mag - a.mag}, true
}

func arithMixedUnsigned(mem memory.Allocator, op Op, l, r arrow.Array, m int) (arrow.Array, error) {
	validity := ensureValidity(mem, combineValidity(mem, m, l, r), m)
	vb := validity.Bytes()
	lr, rr := smagReader(l), smagReader(r)
	ls, rs := strideOf(l, m), strideOf(r, m)
	buf, out := newFixed[uint64](mem, m)
	fail := func() (arrow.Array, error) {
		buf.Release()
		validity.Release()
		return nil, errOutOfRange
	}
	for i := 0; i < m; i++ {
		out[i] = 0
		if !bitutil.BitIsSet(vb, i) {
			continue
		}
		a, b := lr(i*ls), rr(i*rs)
		var res smag
		ok := true
		switch op {
		case OpAdd:
			res, ok = addSmag(a, b)
		case OpSub:
			b.neg = !b.neg && b.mag != 0
			res, ok = addSmag(a, b)
		case OpMul:
			hi, lo := bits.Mul64(a.mag, b.mag)
			res, ok = smag{neg: a.neg != b.neg, mag: lo}, hi == 0
		case OpIntDiv, OpMod:
			if b.mag == 0 {
				bitutil.ClearBit(vb, i)
				continue
			}
			if op == OpIntDiv {
				res = smag{neg: a.neg != b.neg, mag: a.mag / b.mag}
			} else {
				res = smag{neg: a.neg, mag: a.mag % b.mag} // sign of the dividend
			}
		default:
			return fail()
		}
		if !ok || (res.neg && res.mag != 0) {
			return fail()
		}
		out[i] = res.mag
	}
	return makeArray(TypeUint64, m, validity, buf), nil
}
