package expr

import (
	"math"
	"math/rand/v2"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Math functions. DOUBLE functions take their arguments as DOUBLE (strings
// convert leniently); a result outside the function's domain is NULL, as
// in MySQL (SQRT(-1), LN(0), LOG(-1)...).

// doubleFunc builds a one- or two-argument DOUBLE function; f reports
// !ok for NULL results.
func doubleFunc(nargs int, f func(x []float64) (float64, bool)) ScalarFunc {
	return ScalarFunc{MinArgs: nargs, MaxArgs: nargs, Resolve: resolveFixed(TypeFloat64, TypeFloat64),
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			vals := make([][]float64, len(a))
			for k := range a {
				vals[k] = fixedVals[float64](a[k])
			}
			xs := make([]float64, len(a))
			var bad bool
			out := rowWiseFloat64(kc, a, func(i int) (float64, bool) {
				for k := range vals {
					xs[k] = vals[k][i]
				}
				v, ok := f(xs)
				if ok && (math.IsInf(v, 0) || math.IsNaN(v)) {
					bad = true
				}
				return v, ok
			})
			if bad {
				out.Release()
				return nil, errOutOfRange
			}
			return out, nil
		}}
}

func unaryDouble(f func(float64) (float64, bool)) ScalarFunc {
	return doubleFunc(1, func(x []float64) (float64, bool) { return f(x[0]) })
}

func always(f func(float64) float64) func(float64) (float64, bool) {
	return func(x float64) (float64, bool) { return f(x), true }
}

// truncateKernel is TRUNCATE(x, d): drop digits toward zero.
func truncateKernel(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
	x, d := a[0], digitsVals(a[1])
	switch x.DataType().ID() {
	case arrow.INT64:
		v := fixedVals[int64](x)
		return rowWiseInt64(kc, a, func(i int) (int64, bool) {
			k := d(i)
			if k >= 0 {
				return v[i], true
			}
			if -k >= 19 {
				return 0, true
			}
			p := int64(pow10u64[-k])
			return v[i] / p * p, true
		}), nil
	case arrow.UINT64:
		v := fixedVals[uint64](x)
		b := array.NewUint64Builder(kc.Mem)
		return rowWise(b, kc, a, func(i int) (uint64, bool) {
			if k := d(i); k < 0 {
				q, _ := roundUint64(v[i], -k, true)
				return q, true
			}
			return v[i], true
		}, b.UnsafeAppend), nil
	case arrow.DECIMAL128:
		dt := x.DataType().(*arrow.Decimal128Type)
		outT := dt
		if rt, ok := kc.Result.(*arrow.Decimal128Type); ok {
			outT = rt
		}
		v := fixedVals[decimal128.Num](x)
		validity := combineValidity(kc.Mem, kc.N, a...)
		buf, out := newFixed[decimal128.Num](kc.Mem, kc.N)
		for i := 0; i < kc.N; i++ {
			out[i] = decimal128.Num{}
			if !validBit(bytesOf(validity), i) {
				continue
			}
			keep := d(i)
			if keep >= int64(dt.Scale) {
				r, _ := from256(rescale256(to256(v[i]), dt.Scale, outT.Scale), outT.Precision)
				out[i] = r
				continue
			}
			drop := int64(dt.Scale) - keep
			if drop > 76 {
				continue
			}
			q, _ := to256(v[i]).Div(pow10_256[drop]) // scale keep, toward zero
			var r decimal128.Num
			if k := int64(outT.Scale) - keep; k >= 0 && k <= 76 {
				r, _ = from256(q.Mul(pow10_256[k]), outT.Precision)
			} else if k < 0 && -k <= 76 {
				qq, _ := q.Div(pow10_256[-k])
				r, _ = from256(qq, outT.Precision)
			}
			out[i] = r
		}
		return makeArray(outT, kc.N, validity, buf), nil
	}
	f := fixedVals[float64](x)
	return rowWiseFloat64(kc, a, func(i int) (float64, bool) {
		p := math.Pow10(int(d(i)))
		if p == 0 { // 10^-k underflows: every digit is dropped
			return 0, true
		}
		r := math.Trunc(f[i]*p) / p
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return f[i], true
		}
		return r, true
	}), nil
}

func bytesOf(b *memory.Buffer) []byte {
	if b == nil {
		return nil
	}
	return b.Bytes()
}

// mysqlRand is MySQL's RAND(seed) generator (my_rnd), so seeded sequences
// match MySQL's: RAND(3) = 0.9057697559760601 on the first row.
type mysqlRand struct{ seed1, seed2 uint64 }

const randMax = 0x3FFFFFFF

func newMySQLRand(seed int64) *mysqlRand {
	// MySQL truncates both seeds to 32 bits before reducing them
	// (seed_random: (uint32)(tmp * 0x10001L + 55555555L)).
	s := uint64(uint32(seed))
	return &mysqlRand{seed1: uint64(uint32(s*0x10001+55555555)) % randMax, seed2: uint64(uint32(s*0x10000001)) % randMax}
}

func (r *mysqlRand) next() float64 {
	r.seed1 = (r.seed1*3 + r.seed2) % randMax
	r.seed2 = (r.seed1 + r.seed2 + 33) % randMax
	return float64(r.seed1) / float64(randMax)
}

// lockedRand is one RAND(seed) sequence shared by the batches of a
// statement (kept in the statement state, see WithStatement).
type lockedRand struct {
	mu sync.Mutex
	r  *mysqlRand
}

func mathBuiltins() map[string]ScalarFunc {
	f64 := TypeFloat64
	sign := ScalarFunc{MinArgs: 1, MaxArgs: 1,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			t, err := numericArg(args[0])
			return []arrow.DataType{t}, TypeInt64, err
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			x := a[0]
			switch x.DataType().ID() {
			case arrow.DECIMAL128:
				v := fixedVals[decimal128.Num](x)
				return rowWiseInt64(kc, a, func(i int) (int64, bool) { return int64(v[i].Sign()), true }), nil
			case arrow.UINT64:
				v := fixedVals[uint64](x)
				return rowWiseInt64(kc, a, func(i int) (int64, bool) {
					if v[i] > 0 {
						return 1, true
					}
					return 0, true
				}), nil
			}
			f := float64Reader(x)
			return rowWiseInt64(kc, a, func(i int) (int64, bool) {
				switch v := f(i); {
				case v > 0:
					return 1, true
				case v < 0:
					return -1, true
				}
				return 0, true
			}), nil
		}}
	truncate := ScalarFunc{MinArgs: 2, MaxArgs: 2,
		Bind: func(args []Expr) ([]arrow.DataType, arrow.DataType, error) {
			t, err := numericArg(args[0].Type())
			res := t
			if d, ok := t.(*arrow.Decimal128Type); ok {
				res = decimalRoundType(d, args, false)
			}
			return []arrow.DataType{t, digitsArgType(args[1].Type())}, res, err
		},
		Kernel: truncateKernel}
	log := doubleFunc(1, nil)
	log.MaxArgs = 2
	log.Kernel = func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
		if len(a) == 1 {
			x := fixedVals[float64](a[0])
			return rowWiseFloat64(kc, a, func(i int) (float64, bool) { return math.Log(x[i]), x[i] > 0 }), nil
		}
		b, x := fixedVals[float64](a[0]), fixedVals[float64](a[1])
		return rowWiseFloat64(kc, a, func(i int) (float64, bool) {
			if x[i] <= 0 || b[i] <= 0 || b[i] == 1 {
				return 0, false
			}
			return math.Log(x[i]) / math.Log(b[i]), true
		}), nil
	}
	rnd := ScalarFunc{MinArgs: 0, MaxArgs: 1, Volatile: true, AcceptsConstants: true,
		Resolve: func(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
			return fixed(args, TypeInt64), f64, nil
		},
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			n := kc.N
			buf, out := newFixed[float64](kc.Mem, n)
			switch {
			case len(a) == 0:
				for i := range out {
					out[i] = rand.Float64()
				}
			case a[0].Len() == 1 && n != 1 || (a[0].Len() == 1 && n == 1):
				// Constant seed: one sequence per statement, as in MySQL.
				seed := int64(0)
				if validAt(a[0], 0) {
					seed = int64Vals(a[0])(0)
				}
				lr := statementRand(kc.Ctx, kc.Call, seed)
				lr.mu.Lock()
				for i := range out {
					out[i] = lr.r.next()
				}
				lr.mu.Unlock()
			default:
				// Per-row seeds: each row starts a fresh sequence.
				s := int64Vals(a[0])
				for i := range out {
					seed := int64(0)
					if validAt(a[0], i) {
						seed = s(i)
					}
					out[i] = newMySQLRand(seed).next()
				}
			}
			return makeArray(f64, n, nil, buf), nil
		}}
	pi := ScalarFunc{MinArgs: 0, MaxArgs: 0, AcceptsConstants: true,
		Resolve: func([]arrow.DataType) ([]arrow.DataType, arrow.DataType, error) { return nil, f64, nil },
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			buf, out := newFixed[float64](kc.Mem, 1)
			out[0] = math.Pi
			return makeArray(f64, 1, nil, buf), nil
		}}
	return map[string]ScalarFunc{
		"sign":     sign,
		"truncate": truncate,
		"pow":      doubleFunc(2, func(x []float64) (float64, bool) { return math.Pow(x[0], x[1]), true }),
		"power":    doubleFunc(2, func(x []float64) (float64, bool) { return math.Pow(x[0], x[1]), true }),
		"sqrt":     unaryDouble(func(x float64) (float64, bool) { return math.Sqrt(x), x >= 0 }),
		"exp":      unaryDouble(always(math.Exp)),
		"ln":       unaryDouble(func(x float64) (float64, bool) { return math.Log(x), x > 0 }),
		"log":      log,
		"log2":     unaryDouble(func(x float64) (float64, bool) { return math.Log2(x), x > 0 }),
		"log10":    unaryDouble(func(x float64) (float64, bool) { return math.Log10(x), x > 0 }),
		"sin":      unaryDouble(always(math.Sin)),
		"cos":      unaryDouble(always(math.Cos)),
		"tan":      unaryDouble(always(math.Tan)),
		"asin":     unaryDouble(func(x float64) (float64, bool) { return math.Asin(x), x >= -1 && x <= 1 }),
		"acos":     unaryDouble(func(x float64) (float64, bool) { return math.Acos(x), x >= -1 && x <= 1 }),
		"atan": func() ScalarFunc {
			f := doubleFunc(1, nil)
			f.MaxArgs = 2
			f.Kernel = func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				y := fixedVals[float64](a[0])
				if len(a) == 1 {
					return rowWiseFloat64(kc, a, func(i int) (float64, bool) { return math.Atan(y[i]), true }), nil
				}
				x := fixedVals[float64](a[1])
				return rowWiseFloat64(kc, a, func(i int) (float64, bool) { return math.Atan2(y[i], x[i]), true }), nil
			}
			return f
		}(),
		"atan2":   doubleFunc(2, func(x []float64) (float64, bool) { return math.Atan2(x[0], x[1]), true }),
		"cot":     unaryDouble(func(x float64) (float64, bool) { return 1 / math.Tan(x), true }), // COT(0) overflows: an error, as in MySQL
		"degrees": unaryDouble(always(func(x float64) float64 { return x * 180 / math.Pi })),
		"radians": unaryDouble(always(func(x float64) float64 { return x * math.Pi / 180 })),
		"pi":      pi,
		"rand":    rnd,
	}
}

// maxDecimalScale is MySQL's DECIMAL_MAX_SCALE: ROUND/TRUNCATE results
// keep at most 30 digits after the point.
const maxDecimalScale = 30

// maxDigits bounds the digit argument of ROUND/TRUNCATE: any count beyond
// it behaves the same (every digit kept, or every digit dropped), so
// kernels clamp to it instead of overflowing.
const maxDigits = 1000

// digitsArgType is the type ROUND/TRUNCATE convert their digit argument
// to: BIGINT UNSIGNED stays unsigned (MySQL reads ROUND(4,
// 18446744073709551614) as a huge positive count, keeping every digit),
// anything else becomes BIGINT.
func digitsArgType(t arrow.DataType) arrow.DataType {
	if classOf(t) == clsUint {
		return TypeUint64
	}
	return TypeInt64
}

// digitsVals reads a ROUND/TRUNCATE digit argument (BIGINT or BIGINT
// UNSIGNED, see digitsArgType) clamped to [-maxDigits, maxDigits]. Rows
// that are NULL read as 0; callers mask them with the validity.
func digitsVals(a arrow.Array) func(i int) int64 {
	if a.DataType().ID() == arrow.UINT64 {
		v := fixedVals[uint64](a)
		return func(i int) int64 { return int64(min(v[i], maxDigits)) }
	}
	r := int64Vals(a)
	return func(i int) int64 { return max(-maxDigits, min(r(i), maxDigits)) }
}

// roundInt64 rounds v half away from zero to a multiple of 10^drop
// (ROUND(v, -drop)); ok is false when the result leaves BIGINT.
func roundInt64(v, drop int64) (int64, bool) {
	if drop >= 19 {
		return 0, true
	}
	p := int64(pow10u64[drop])
	q := v / p * p
	r := v - q
	switch {
	case r >= (p+1)/2:
		if q > math.MaxInt64-p {
			return 0, false
		}
		q += p
	case r <= -(p+1)/2:
		if q < math.MinInt64+p {
			return 0, false
		}
		q -= p
	}
	return q, true
}

// roundUint64 rounds v (half up, or toward zero with trunc) to a multiple
// of 10^drop; ok is false when the result leaves BIGINT UNSIGNED.
func roundUint64(v uint64, drop int64, trunc bool) (uint64, bool) {
	if drop >= 20 {
		return 0, true
	}
	p := pow10u64[drop]
	q := v / p * p
	if !trunc && v-q >= (p+1)/2 {
		if q > math.MaxUint64-p {
			return 0, false
		}
		q += p
	}
	return q, true
}

// releaseBuf releases b unless it is nil.
func releaseBuf(b *memory.Buffer) {
	if b != nil {
		b.Release()
	}
}

// negateUnsigned is -(x) for an unsigned x: a BIGINT, errOutOfRange when
// x exceeds 2^63 (MySQL: "BIGINT value is out of range in '-(b)'"). The
// caller releases the result.
func negateUnsigned(mem memory.Allocator, x arrow.Array) (arrow.Array, error) {
	n := x.Len()
	r := uint64Reader(x)
	validity := copyValidity(mem, x)
	buf, out := newFixed[int64](mem, n)
	for i := range out {
		out[i] = 0
		if !x.IsValid(i) {
			continue
		}
		u, _ := r(i)
		if u > 1<<63 {
			buf.Release()
			releaseBuf(validity)
			return nil, errOutOfRange
		}
		out[i] = int64(-u)
	}
	return makeArray(TypeInt64, n, validity, buf), nil
}

// negateType is the type of -(x) for x of type t: t itself, except that
// -(BIGINT UNSIGNED) is BIGINT, range-checked (see negateUnsigned).
func negateType(t arrow.DataType) arrow.DataType {
	if classOf(t) == clsUint {
		return TypeInt64
	}
	return t
}
