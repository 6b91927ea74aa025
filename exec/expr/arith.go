package expr

import (
	"errors"
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// errOutOfRange is returned by kernels on overflow; the caller names the
// expression (MySQL: "BIGINT value is out of range in '(a + b)'").
var errOutOfRange = errors.New("value is out of range")

// arith evaluates l op r for arithmetic operators into a datum of type
// `to` (the Binary's result type). Operands of the same family are widened
// here (INT → BIGINT, FLOAT → DOUBLE); the constructors inserted Casts for
// conversions across families.
func arith(mem memory.Allocator, op Op, l, r arrow.Array, to arrow.DataType, n int) (arrow.Array, error) {
	m := outLen(n, l, r)
	if allNull(l) || allNull(r) {
		return nullArray(mem, to, m), nil
	}
	switch to.ID() {
	case arrow.INT64, arrow.UINT64:
		// DIV on DOUBLE/DECIMAL operands still yields BIGINT.
		if op == OpIntDiv && (classOf(l.DataType()) == clsFloat || classOf(r.DataType()) == clsFloat) {
			return intDivFloat(mem, l, r, m)
		}
		if op == OpIntDiv && (classOf(l.DataType()) == clsDecimal || classOf(r.DataType()) == clsDecimal) {
			return intDivDecimal(mem, l, r, m)
		}
		if to.ID() == arrow.UINT64 && (isSignedInt(l.DataType()) || isSignedInt(r.DataType())) {
			return arithMixedUnsigned(mem, op, l, r, m)
		}
		lw, err := castDatum(mem, l, to)
		if err != nil {
			return nil, err
		}
		defer lw.Release()
		rw, err := castDatum(mem, r, to)
		if err != nil {
			return nil, err
		}
		defer rw.Release()
		validity := combineValidity(mem, m, lw, rw)
		if op == OpIntDiv || op == OpMod {
			validity = ensureValidity(mem, validity, m)
		}
		var vb []byte
		if validity != nil {
			vb = validity.Bytes()
		}
		ls, rs := strideOf(lw, m), strideOf(rw, m)
		if to.ID() == arrow.INT64 {
			buf, out := newFixed[int64](mem, m)
			if err := arithInt64(op, fixedVals[int64](lw), fixedVals[int64](rw), ls, rs, m, out, vb); err != nil {
				buf.Release()
				if validity != nil {
					validity.Release()
				}
				return nil, err
			}
			return makeArray(to, m, validity, buf), nil
		}
		buf, out := newFixed[uint64](mem, m)
		if err := arithUint64(op, fixedVals[uint64](lw), fixedVals[uint64](rw), ls, rs, m, out, vb); err != nil {
			buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, err
		}
		return makeArray(to, m, validity, buf), nil
	case arrow.FLOAT64:
		lw, err := castDatum(mem, l, to)
		if err != nil {
			return nil, err
		}
		defer lw.Release()
		rw, err := castDatum(mem, r, to)
		if err != nil {
			return nil, err
		}
		defer rw.Release()
		validity := combineValidity(mem, m, lw, rw)
		if op == OpDiv || op == OpMod {
			validity = ensureValidity(mem, validity, m)
		}
		var vb []byte
		if validity != nil {
			vb = validity.Bytes()
		}
		buf, out := newFixed[float64](mem, m)
		if err := arithFloat64(op, fixedVals[float64](lw), fixedVals[float64](rw), strideOf(lw, m), strideOf(rw, m), m, out, vb); err != nil {
			buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, err
		}
		return makeArray(to, m, validity, buf), nil
	case arrow.DECIMAL128:
		return arithDecimal(mem, op, l, r, to.(*arrow.Decimal128Type), m)
	}
	return nil, notImplementedf("arithmetic producing %s", TypeName(to))
}

func validBit(vb []byte, i int) bool { return vb == nil || bitutil.BitIsSet(vb, i) }

func arithInt64(op Op, l, r []int64, ls, rs, m int, out []int64, vb []byte) error {
	switch op {
	case OpAdd:
		var ovf int64
		for i := 0; i < m; i++ {
			a, b := l[i*ls], r[i*rs]
			s := a + b
			out[i] = s
			ovf |= (a ^ s) & (b ^ s)
		}
		if ovf < 0 {
			for i := 0; i < m; i++ {
				a, b, s := l[i*ls], r[i*rs], out[i]
				if (a^s)&(b^s) < 0 && validBit(vb, i) {
					return errOutOfRange
				}
			}
		}
	case OpSub:
		var ovf int64
		for i := 0; i < m; i++ {
			a, b := l[i*ls], r[i*rs]
			s := a - b
			out[i] = s
			ovf |= (a ^ b) & (a ^ s)
		}
		if ovf < 0 {
			for i := 0; i < m; i++ {
				a, b, s := l[i*ls], r[i*rs], out[i]
				if (a^b)&(a^s) < 0 && validBit(vb, i) {
					return errOutOfRange
				}
			}
		}
	case OpMul:
		for i := 0; i < m; i++ {
			a, b := l[i*ls], r[i*rs]
			p := a * b
			out[i] = p
			if a != 0 && (p/a != b || (a == -1 && b == math.MinInt64)) && validBit(vb, i) {
				return errOutOfRange
			}
		}
	case OpIntDiv, OpMod:
		for i := 0; i < m; i++ {
			a, b := l[i*ls], r[i*rs]
			if b == 0 {
				out[i] = 0
				bitutil.ClearBit(vb, i)
				continue
			}
			if b == -1 {
				if op == OpMod {
					out[i] = 0
				} else {
					if a == math.MinInt64 && validBit(vb, i) {
						return errOutOfRange
					}
					out[i] = -a
				}
				continue
			}
			if op == OpMod {
				out[i] = a % b
			} else {
				out[i] = a / b
			}
		}
	default:
		return internalf("integer operator %s", op)
	}
	return nil
}

func arithUint64(op Op, l, r []uint64, ls, rs, m int, out []uint64, vb []byte) error {
	for i := 0; i < m; i++ {
		a, b := l[i*ls], r[i*rs]
		switch op {
		case OpAdd:
			s, c := bits.Add64(a, b, 0)
			if c != 0 && validBit(vb, i) {
				return errOutOfRange
			}
			out[i] = s
		case OpSub:
			s, c := bits.Sub64(a, b, 0)
			if c != 0 && validBit(vb, i) {
				return errOutOfRange
			}
			out[i] = s
		case OpMul:
			hi, lo := bits.Mul64(a, b)
			if hi != 0 && validBit(vb, i) {
				return errOutOfRange
			}
			out[i] = lo
		case OpIntDiv, OpMod:
			if b == 0 {
				out[i] = 0
				bitutil.ClearBit(vb, i)
				continue
			}
			if op == OpMod {
				out[i] = a % b
			} else {
				out[i] = a / b
			}
		default:
			return internalf("integer operator %s", op)
		}
	}
	return nil
}

func arithFloat64(op Op, l, r []float64, ls, rs, m int, out []float64, vb []byte) error {
	switch op {
	case OpAdd:
		for i := 0; i < m; i++ {
			out[i] = l[i*ls] + r[i*rs]
		}
	case OpSub:
		for i := 0; i < m; i++ {
			out[i] = l[i*ls] - r[i*rs]
		}
	case OpMul:
		for i := 0; i < m; i++ {
			out[i] = l[i*ls] * r[i*rs]
		}
	case OpDiv, OpMod:
		for i := 0; i < m; i++ {
			b := r[i*rs]
			if b == 0 {
				out[i] = 0
				bitutil.ClearBit(vb, i)
				continue
			}
			if op == OpDiv {
				out[i] = l[i*ls] / b
			} else {
				out[i] = math.Mod(l[i*ls], b)
			}
		}
	default:
		return internalf("float operator %s", op)
	}
	// MySQL reports an error instead of producing ±Inf.
	for i := 0; i < m; i++ {
		if math.IsInf(out[i], 0) && validBit(vb, i) {
			return errOutOfRange
		}
	}
	return nil
}

// intDivFloat is DIV with a DOUBLE operand: trunc(a / b) as BIGINT.
func intDivFloat(mem memory.Allocator, l, r arrow.Array, m int) (arrow.Array, error) {
	lw, err := castDatum(mem, l, TypeFloat64)
	if err != nil {
		return nil, err
	}
	defer lw.Release()
	rw, err := castDatum(mem, r, TypeFloat64)
	if err != nil {
		return nil, err
	}
	defer rw.Release()
	validity := ensureValidity(mem, combineValidity(mem, m, lw, rw), m)
	vb := validity.Bytes()
	lv, rv := fixedVals[float64](lw), fixedVals[float64](rw)
	ls, rs := strideOf(lw, m), strideOf(rw, m)
	buf, out := newFixed[int64](mem, m)
	for i := 0; i < m; i++ {
		b := rv[i*rs]
		if b == 0 {
			bitutil.ClearBit(vb, i)
			out[i] = 0
			continue
		}
		q := math.Trunc(lv[i*ls] / b)
		if (q >= 9.223372036854775807e18 || q < -9.223372036854775808e18 || math.IsNaN(q)) && validBit(vb, i) {
			buf.Release()
			validity.Release()
			return nil, errOutOfRange
		}
		out[i] = int64(q)
	}
	return makeArray(TypeInt64, m, validity, buf), nil
}

// intDivDecimal is DIV with a DECIMAL operand: the truncated quotient as
// BIGINT.
func intDivDecimal(mem memory.Allocator, l, r arrow.Array, m int) (arrow.Array, error) {
	lp, lsc := decimalOf(l.DataType())
	rp, rsc := decimalOf(r.DataType())
	s := max(lsc, rsc)
	common := Decimal(min(max(lp-lsc, rp-rsc)+s, MaxDecimalPrecision), s)
	lw, err := castDatum(mem, l, common)
	if err != nil {
		return nil, err
	}
	defer lw.Release()
	rw, err := castDatum(mem, r, common)
	if err != nil {
		return nil, err
	}
	defer rw.Release()
	validity := ensureValidity(mem, combineValidity(mem, m, lw, rw), m)
	vb := validity.Bytes()
	lv, rv := fixedVals[decimal128.Num](lw), fixedVals[decimal128.Num](rw)
	ls, rs := strideOf(lw, m), strideOf(rw, m)
	buf, out := newFixed[int64](mem, m)
	for i := 0; i < m; i++ {
		b := rv[i*rs]
		if b == (decimal128.Num{}) || !validBit(vb, i) {
			bitutil.ClearBit(vb, i)
			out[i] = 0
			continue
		}
		q, _ := lv[i*ls].Div(b)
		bi := q.BigInt()
		if !bi.IsInt64() {
			buf.Release()
			validity.Release()
			return nil, errOutOfRange
		}
		out[i] = bi.Int64()
	}
	return makeArray(TypeInt64, m, validity, buf), nil
}

// pow10_256 holds 10^k as decimal256 for k in [0, 76].
var pow10_256 = func() [77]decimal256.Num {
	var t [77]decimal256.Num
	t[0] = decimal256.FromI64(1)
	ten := decimal256.FromI64(10)
	for k := 1; k < len(t); k++ {
		t[k] = t[k-1].Mul(ten)
	}
	return t
}()

func to256(n decimal128.Num) decimal256.Num { return decimal256.FromDecimal128(n) }

// from256 narrows a decimal256 that fits in precision p to decimal128.
func from256(n decimal256.Num, p int32) (decimal128.Num, bool) {
	if !n.FitsInPrecision(p) {
		return decimal128.Num{}, false
	}
	a := n.Array()
	return decimal128.New(int64(a[1]), a[0]), true
}

// arithDecimal evaluates DECIMAL arithmetic in 256-bit intermediates so
// rescaling and products never wrap; results that do not fit the result
// precision are an out-of-range error, as in MySQL.
func arithDecimal(mem memory.Allocator, op Op, l, r arrow.Array, to *arrow.Decimal128Type, m int) (arrow.Array, error) {
	// Integer operands reach here only through a Cast; be lenient anyway.
	if classOf(l.DataType()) != clsDecimal || classOf(r.DataType()) != clsDecimal {
		var err error
		if classOf(l.DataType()) != clsDecimal {
			p, s := decimalOf(l.DataType())
			if l, err = castDatum(mem, l, Decimal(p, s)); err != nil {
				return nil, err
			}
			defer l.Release()
		}
		if classOf(r.DataType()) != clsDecimal {
			p, s := decimalOf(r.DataType())
			if r, err = castDatum(mem, r, Decimal(p, s)); err != nil {
				return nil, err
			}
			defer r.Release()
		}
	}
	_, lsc := decimalOf(l.DataType())
	_, rsc := decimalOf(r.DataType())
	validity := combineValidity(mem, m, l, r)
	if op == OpDiv || op == OpMod {
		validity = ensureValidity(mem, validity, m)
	}
	var vb []byte
	if validity != nil {
		vb = validity.Bytes()
	}
	lv, rv := fixedVals[decimal128.Num](l), fixedVals[decimal128.Num](r)
	ls, rs := strideOf(l, m), strideOf(r, m)
	buf, out := newFixed[decimal128.Num](mem, m)
	fail := func(err error) (arrow.Array, error) {
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, err
	}
	if done, err := arithDecimal64(op, lv, rv, ls, rs, m, lsc, rsc, to.Scale, to.Precision, out, vb); done {
		if err != nil {
			return fail(err)
		}
		return makeArray(to, m, validity, buf), nil
	}
	for i := 0; i < m; i++ {
		if !validBit(vb, i) {
			out[i] = decimal128.Num{}
			continue
		}
		a, b := to256(lv[i*ls]), to256(rv[i*rs])
		var res decimal256.Num
		switch op {
		case OpAdd, OpSub, OpMod:
			// Work at the widest scale: a result narrower than an operand
			// (decimalResult gives up fraction digits past 38) rounds below.
			ws := max(to.Scale, lsc, rsc)
			a = a.Mul(pow10_256[ws-lsc])
			b = b.Mul(pow10_256[ws-rsc])
			switch op {
			case OpAdd:
				res = a.Add(b)
			case OpSub:
				res = a.Sub(b)
			default:
				if b.Sign() == 0 {
					bitutil.ClearBit(vb, i)
					out[i] = decimal128.Num{}
					continue
				}
				_, res = a.Div(b)
			}
			if ws > to.Scale {
				res = roundHalfUp256(res, pow10_256[ws-to.Scale])
			}
		case OpMul:
			res = a.Mul(b)
			if shift := lsc + rsc - to.Scale; shift > 0 {
				res = roundHalfUp256(res, pow10_256[shift])
			}
		case OpDiv:
			if b.Sign() == 0 {
				bitutil.ClearBit(vb, i)
				out[i] = decimal128.Num{}
				continue
			}
			// a/10^lsc ÷ b/10^rsc at scale S = a·10^(S-lsc+rsc) / b.
			k := to.Scale - lsc + rsc
			if k >= 0 {
				a = a.Mul(pow10_256[k])
			} else {
				b = b.Mul(pow10_256[-k])
			}
			res = divRoundHalfUp256(a, b)
		default:
			return fail(internalf("decimal operator %s", op))
		}
		n, ok := from256(res, to.Precision)
		if !ok {
			return fail(errOutOfRange)
		}
		out[i] = n
	}
	return makeArray(to, m, validity, buf), nil
}

// divRoundHalfUp256 divides rounding half away from zero (MySQL's rule).
func divRoundHalfUp256(a, b decimal256.Num) decimal256.Num {
	q, rem := a.Div(b)
	// |2·rem| >= |b| → round away from zero.
	r2 := rem.Abs().Mul(decimal256.FromI64(2))
	if r2.Cmp(b.Abs()) >= 0 {
		if (a.Sign() < 0) != (b.Sign() < 0) {
			q = q.Sub(decimal256.FromI64(1))
		} else {
			q = q.Add(decimal256.FromI64(1))
		}
	}
	return q
}

func roundHalfUp256(a, div decimal256.Num) decimal256.Num { return divRoundHalfUp256(a, div) }
