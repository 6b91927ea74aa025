package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
)

// Bit operators. MySQL evaluates &, |, ^, <<, >> and ~ over 64-bit
// unsigned integers and returns BIGINT UNSIGNED: signed arguments are
// taken as their two's-complement bits (-1 & 255 = 255), DECIMAL, DOUBLE
// and string arguments are first converted to integers (rounded, as CAST
// does), a shift by 64 or more gives 0, and NULL in gives NULL out. They
// are registered under names ending in "_func", which the plan builder
// binds the operators to and GetSqlInfo does not list as functions.
const (
	BitAndFunc     = "bitand_func"
	BitOrFunc      = "bitor_func"
	BitXorFunc     = "bitxor_func"
	ShiftLeftFunc  = "leftshift_func"
	ShiftRightFunc = "rightshift_func"
	BitNegFunc     = "bitneg_func"
)

func bitBuiltins() map[string]ScalarFunc {
	return map[string]ScalarFunc{
		BitAndFunc:     bitBinary(func(a, b uint64) uint64 { return a & b }),
		BitOrFunc:      bitBinary(func(a, b uint64) uint64 { return a | b }),
		BitXorFunc:     bitBinary(func(a, b uint64) uint64 { return a ^ b }),
		ShiftLeftFunc:  bitBinary(func(a, n uint64) uint64 { return shiftOrZero(a, n, true) }),
		ShiftRightFunc: bitBinary(func(a, n uint64) uint64 { return shiftOrZero(a, n, false) }),
		BitNegFunc: {MinArgs: 1, MaxArgs: 1, Resolve: bitArgs,
			Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
				x := asBits(a[0])
				buf, out := newFixed[uint64](kc.Mem, kc.N)
				for i := range out {
					out[i] = ^x[i]
				}
				return makeArray(TypeUint64, kc.N, combineValidity(kc.Mem, kc.N, a...), buf), nil
			}},
	}
}

func shiftOrZero(a, n uint64, left bool) uint64 {
	if n >= 64 {
		return 0
	}
	if left {
		return a << n
	}
	return a >> n
}

// bitArgs converts unsigned integers to BIGINT UNSIGNED and everything
// else to BIGINT (whose bits are then read as unsigned).
func bitArgs(args []arrow.DataType) ([]arrow.DataType, arrow.DataType, error) {
	out := make([]arrow.DataType, len(args))
	for i, t := range args {
		switch classOf(t) {
		case clsUint:
			out[i] = TypeUint64
		default:
			out[i] = TypeInt64
		}
		if arrow.TypeEqual(t, out[i]) {
			out[i] = nil
		}
	}
	return out, TypeUint64, nil
}

func bitBinary(op func(a, b uint64) uint64) ScalarFunc {
	return ScalarFunc{MinArgs: 2, MaxArgs: 2, Resolve: bitArgs,
		Kernel: func(kc KernelContext, a []arrow.Array) (arrow.Array, error) {
			x, y := asBits(a[0]), asBits(a[1])
			buf, out := newFixed[uint64](kc.Mem, kc.N)
			for i := range out {
				out[i] = op(x[i], y[i]) // NULL slots compute garbage, masked below
			}
			return makeArray(TypeUint64, kc.N, combineValidity(kc.Mem, kc.N, a...), buf), nil
		}}
}

// asBits returns the values of a BIGINT or BIGINT UNSIGNED array as
// unsigned 64-bit patterns.
func asBits(a arrow.Array) []uint64 {
	if a.DataType().ID() == arrow.UINT64 {
		return fixedVals[uint64](a)
	}
	v := fixedVals[int64](a)
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = uint64(x)
	}
	return out
}
