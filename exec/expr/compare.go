package expr

import (
	"bytes"
	"cmp"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// cmpResult maps a three-way comparison result to the operator's truth.
func cmpTruth(op Op, c int) bool {
	switch op {
	case OpEq, OpNullSafeEq:
		return c == 0
	case OpNotEq:
		return c != 0
	case OpLt:
		return c < 0
	case OpLtEq:
		return c <= 0
	case OpGt:
		return c > 0
	case OpGtEq:
		return c >= 0
	}
	return false
}

// compareArrays evaluates l op r for two datums of the same comparison type
// (the constructors guarantee it; integer widths may differ only in
// signedness-compatible ways and are widened first). Result: BOOL datum.
func compareArrays(mem memory.Allocator, op Op, l, r arrow.Array, n int) (arrow.Array, error) {
	m := outLen(n, l, r)
	if op != OpNullSafeEq && (allNull(l) || allNull(r)) {
		return nullArray(mem, TypeBool, m), nil
	}
	if l.DataType().ID() == arrow.NULL || r.DataType().ID() == arrow.NULL {
		return nullSafeWithNull(mem, l, r, m), nil
	}
	// Integers of different widths: widen to a common 64-bit type.
	if !arrow.TypeEqual(l.DataType(), r.DataType()) {
		lc, rc := classOf(l.DataType()), classOf(r.DataType())
		var to arrow.DataType
		switch {
		case lc == clsInt && rc == clsInt, lc == clsBool && rc == clsInt, lc == clsInt && rc == clsBool:
			to = TypeInt64
		case lc == clsUint && rc == clsUint:
			to = TypeUint64
		case lc == clsFloat && rc == clsFloat:
			to = TypeFloat64
		case lc == clsDecimal && rc == clsDecimal:
			lp, ls := decimalOf(l.DataType())
			rp, rs := decimalOf(r.DataType())
			s := max(ls, rs)
			to = Decimal(max(lp-ls, rp-rs)+s, s)
		case lc == clsString && rc == clsString, lc == clsBinary && rc == clsBinary:
			to = l.DataType()
			if l.DataType().ID() != arrow.STRING && l.DataType().ID() != arrow.BINARY {
				to = r.DataType()
			}
		default:
			return nil, internalf("comparison of %s with %s reached the evaluator without a cast", TypeName(l.DataType()), TypeName(r.DataType()))
		}
		var err error
		if l, err = castDatum(mem, l, to); err != nil {
			return nil, err
		}
		defer l.Release()
		if r, err = castDatum(mem, r, to); err != nil {
			return nil, err
		}
		defer r.Release()
	}
	var validity *memory.Buffer
	if op != OpNullSafeEq {
		validity = combineValidity(mem, m, l, r)
	}
	vals := newBitmap(mem, m)
	out := vals.Bytes()
	ls, rs := strideOf(l, m), strideOf(r, m)
	switch l.DataType().ID() {
	case arrow.INT8:
		cmpFixed(op, fixedVals[int8](l), fixedVals[int8](r), ls, rs, m, out)
	case arrow.INT16:
		cmpFixed(op, fixedVals[int16](l), fixedVals[int16](r), ls, rs, m, out)
	case arrow.INT32, arrow.DATE32:
		cmpFixed(op, fixedVals[int32](l), fixedVals[int32](r), ls, rs, m, out)
	case arrow.INT64, arrow.TIMESTAMP, arrow.TIME64, arrow.DATE64:
		cmpFixed(op, fixedVals[int64](l), fixedVals[int64](r), ls, rs, m, out)
	case arrow.UINT8:
		cmpFixed(op, fixedVals[uint8](l), fixedVals[uint8](r), ls, rs, m, out)
	case arrow.UINT16:
		cmpFixed(op, fixedVals[uint16](l), fixedVals[uint16](r), ls, rs, m, out)
	case arrow.UINT32:
		cmpFixed(op, fixedVals[uint32](l), fixedVals[uint32](r), ls, rs, m, out)
	case arrow.UINT64:
		cmpFixed(op, fixedVals[uint64](l), fixedVals[uint64](r), ls, rs, m, out)
	case arrow.FLOAT32:
		cmpFixed(op, fixedVals[float32](l), fixedVals[float32](r), ls, rs, m, out)
	case arrow.FLOAT64:
		cmpFixed(op, fixedVals[float64](l), fixedVals[float64](r), ls, rs, m, out)
	case arrow.DECIMAL128:
		lv, rv := fixedVals[decimal128.Num](l), fixedVals[decimal128.Num](r)
		for i := 0; i < m; i++ {
			if cmpTruth(op, lv[i*ls].Cmp(rv[i*rs])) {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case arrow.BOOL:
		lb, rb := l.(*array.Boolean), r.(*array.Boolean)
		for i := 0; i < m; i++ {
			if cmpTruth(op, cmpBool(lb.Value(i*ls), rb.Value(i*rs))) {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case arrow.STRING:
		lb, rb := l.(*array.String), r.(*array.String)
		cmpCollated(op, lb.Value, rb.Value, ls, rs, m, out)
	case arrow.LARGE_STRING:
		lb, rb := l.(*array.LargeString), r.(*array.LargeString)
		cmpCollated(op, lb.Value, rb.Value, ls, rs, m, out)
	case arrow.BINARY:
		lb, rb := l.(*array.Binary), r.(*array.Binary)
		for i := 0; i < m; i++ {
			if cmpTruth(op, bytes.Compare(lb.Value(i*ls), rb.Value(i*rs))) {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	default:
		vals.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, notImplementedf("comparison of %s values", TypeName(l.DataType()))
	}
	if op == OpNullSafeEq && (l.NullN() > 0 || r.NullN() > 0) {
		// <=>: NULL <=> NULL is true, NULL <=> x is false.
		for i := 0; i < m; i++ {
			ln, rn := !validAt(l, i*ls), !validAt(r, i*rs)
			if ln || rn {
				if ln && rn {
					out[i>>3] |= 1 << (i & 7)
				} else {
					out[i>>3] &^= 1 << (i & 7)
				}
			}
		}
	}
	return makeBoolArray(m, validity, vals), nil
}

// nullSafeWithNull evaluates x <=> NULL: true exactly where x is NULL.
func nullSafeWithNull(mem memory.Allocator, l, r arrow.Array, m int) arrow.Array {
	other := l
	if l.DataType().ID() == arrow.NULL {
		other = r
	}
	vals := newBitmap(mem, m)
	out := vals.Bytes()
	s := strideOf(other, m)
	for i := 0; i < m; i++ {
		if other.DataType().ID() == arrow.NULL || other.IsNull(i*s) {
			out[i>>3] |= 1 << (i & 7)
		}
	}
	return makeBoolArray(m, nil, vals)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// cmpFixed is the vectorized comparison of two typed value slices with
// strides (0 = constant). One loop per operator keeps the inner loop free of
// the operator switch.
func cmpFixed[T cmp.Ordered](op Op, l, r []T, ls, rs, m int, out []byte) {
	switch op {
	case OpEq, OpNullSafeEq:
		for i := 0; i < m; i++ {
			if l[i*ls] == r[i*rs] {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case OpNotEq:
		for i := 0; i < m; i++ {
			if l[i*ls] != r[i*rs] {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case OpLt:
		for i := 0; i < m; i++ {
			if l[i*ls] < r[i*rs] {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case OpLtEq:
		for i := 0; i < m; i++ {
			if l[i*ls] <= r[i*rs] {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case OpGt:
		for i := 0; i < m; i++ {
			if l[i*ls] > r[i*rs] {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case OpGtEq:
		for i := 0; i < m; i++ {
			if l[i*ls] >= r[i*rs] {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	}
}

// cmpCollated compares VARCHAR values under the string collation
// (collation.go): case- and accent-insensitive.
func cmpCollated(op Op, l, r func(int) string, ls, rs, m int, out []byte) {
	if op == OpEq || op == OpNullSafeEq || op == OpNotEq {
		want := op != OpNotEq
		for i := 0; i < m; i++ {
			if EqualCollated(l(i*ls), r(i*rs)) == want {
				out[i>>3] |= 1 << (i & 7)
			}
		}
		return
	}
	for i := 0; i < m; i++ {
		if cmpTruth(op, CompareCollated(l(i*ls), r(i*rs))) {
			out[i>>3] |= 1 << (i & 7)
		}
	}
}

// makeBoolArray assembles a BOOL array from validity (may be nil) and value
// bitmaps, taking ownership of both.
func makeBoolArray(m int, validity, vals *memory.Buffer) arrow.Array {
	return makeArray(TypeBool, m, validity, vals)
}
