package expr

import (
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// pow10u64 holds 10^k for k in [0, 19].
var pow10u64 = func() [20]uint64 {
	var t [20]uint64
	t[0] = 1
	for k := 1; k < len(t); k++ {
		t[k] = t[k-1] * 10
	}
	return t
}()

// maxAbs64 returns the largest |v| over the first m values of vals read at
// stride s (s == 0: one broadcast value), and false when some value does not
// fit in int64 (the caller then takes the 256-bit path). NULL slots are
// included: they hold zeros or stale values, and counting them only makes
// the bound conservative.
func maxAbs64(vals []decimal128.Num, s, m int) (uint64, bool) {
	if m == 0 || len(vals) == 0 {
		return 0, true
	}
	n := m
	if s == 0 {
		n = 1
	}
	var mx uint64
	for _, v := range vals[:n] {
		hi, lo := v.HighBits(), v.LowBits()
		var a uint64
		switch {
		case hi == 0 && lo < 1<<63:
			a = lo
		case hi == -1 && lo >= 1<<63:
			a = -lo // two's complement magnitude, at most 2^63
		default:
			return 0, false
		}
		mx = max(mx, a)
	}
	return mx, true
}

// mulFits reports whether a*b is below limit (and so does not overflow).
func mulFits(a, b, limit uint64) bool {
	hi, lo := bits.Mul64(a, b)
	return hi == 0 && lo < limit
}

// fitsPrecision reports whether |v| < 10^p.
func fitsPrecision(v int64, p int32) bool {
	if p >= 19 {
		return true // every int64 except MinInt64 is below 10^19; see callers
	}
	a := uint64(v)
	if v < 0 {
		a = -a
	}
	return a < pow10u64[p]
}

// arithDecimal64 is arithDecimal's fast path: when every operand value of
// the batch and every intermediate (rescaled operands, product, scaled
// dividend) provably fits in int64 — MySQL DECIMALs of TPC-H magnitudes
// always do — it computes in int64 with the same rounding (half away from
// zero) and range check as the 256-bit path, and returns true. It returns
// false, having written nothing observable, when the batch needs the wide
// path. Bounds are checked once per batch from the operands' largest
// magnitudes, so the loop has no per-row overflow checks.
func arithDecimal64(op Op, lv, rv []decimal128.Num, ls, rs, m int, lsc, rsc int32, to int32, prec int32, out []decimal128.Num, vb []byte) (bool, error) {
	const limit = 1 << 62 // leaves headroom for one addition and rounding
	am, ok := maxAbs64(lv, ls, m)
	if !ok {
		return false, nil
	}
	bm, ok := maxAbs64(rv, rs, m)
	if !ok {
		return false, nil
	}
	switch op {
	case OpAdd, OpSub, OpMod:
		ka, kb := to-lsc, to-rsc
		if ka < 0 || kb < 0 || ka > 18 || kb > 18 {
			return false, nil
		}
		fa, fb := pow10u64[ka], pow10u64[kb]
		if !mulFits(am, fa, limit) || !mulFits(bm, fb, limit) {
			return false, nil
		}
		ia, ib := int64(fa), int64(fb)
		for i := 0; i < m; i++ {
			if !validBit(vb, i) {
				out[i] = decimal128.Num{}
				continue
			}
			a, b := lv[i*ls].LowBits(), rv[i*rs].LowBits()
			x, y := int64(a)*ia, int64(b)*ib
			var r int64
			switch op {
			case OpAdd:
				r = x + y
			case OpSub:
				r = x - y
			default:
				if y == 0 {
					bitutil.ClearBit(vb, i)
					out[i] = decimal128.Num{}
					continue
				}
				r = x % y
			}
			if !fitsPrecision(r, prec) {
				return true, errOutOfRange
			}
			out[i] = decimal128.FromI64(r)
		}
		return true, nil
	case OpMul:
		if !mulFits(am, bm, limit) {
			return false, nil
		}
		shift := lsc + rsc - to
		if shift > 18 || shift < 0 {
			return false, nil
		}
		var d int64 = 1
		if shift > 0 {
			d = int64(pow10u64[shift])
		}
		for i := 0; i < m; i++ {
			if !validBit(vb, i) {
				out[i] = decimal128.Num{}
				continue
			}
			r := int64(lv[i*ls].LowBits()) * int64(rv[i*rs].LowBits())
			if shift > 0 {
				r = divRoundHalfUp64(r, d)
			}
			if !fitsPrecision(r, prec) {
				return true, errOutOfRange
			}
			out[i] = decimal128.FromI64(r)
		}
		return true, nil
	case OpDiv:
		// a/10^lsc ÷ b/10^rsc at scale S = a·10^(S-lsc+rsc) / b.
		k := to - lsc + rsc
		var fa, fb uint64 = 1, 1
		switch {
		case k > 18 || k < -18:
			return false, nil
		case k >= 0:
			fa = pow10u64[k]
		default:
			fb = pow10u64[-k]
		}
		if !mulFits(am, fa, limit) || !mulFits(bm, fb, limit) {
			return false, nil
		}
		ia, ib := int64(fa), int64(fb)
		for i := 0; i < m; i++ {
			if !validBit(vb, i) {
				out[i] = decimal128.Num{}
				continue
			}
			y := int64(rv[i*rs].LowBits()) * ib
			if y == 0 {
				bitutil.ClearBit(vb, i)
				out[i] = decimal128.Num{}
				continue
			}
			r := divRoundHalfUp64(int64(lv[i*ls].LowBits())*ia, y)
			if !fitsPrecision(r, prec) {
				return true, errOutOfRange
			}
			out[i] = decimal128.FromI64(r)
		}
		return true, nil
	}
	return false, nil
}

// divRoundHalfUp64 divides rounding half away from zero (MySQL's rule).
// |a|, |b| < 2^62, b != 0.
func divRoundHalfUp64(a, b int64) int64 {
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	ab := b
	if ab < 0 {
		ab = -ab
	}
	if 2*r >= ab {
		if (a < 0) != (b < 0) {
			q--
		} else {
			q++
		}
	}
	return q
}
