package expr

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// canCast reports whether CAST(from AS to) is supported.
func canCast(from, to arrow.DataType) bool {
	fc, tc := classOf(from), classOf(to)
	if fc == clsOther || tc == clsOther || tc == clsNull {
		return fc == tc && arrow.TypeEqual(from, to)
	}
	if fc == clsNull || fc == tc {
		return true
	}
	switch tc {
	case clsBool, clsInt, clsUint, clsFloat, clsDecimal:
		return isNumericClass(fc) || fc == clsString || fc == clsBinary || fc == clsDate || fc == clsTimestamp || fc == clsTime
	case clsString:
		return true
	case clsBinary:
		return fc == clsString
	case clsDate, clsTimestamp:
		// Numbers read as YYYYMMDD[hhmmss] (numberToDateTime).
		return fc == clsString || fc == clsDate || fc == clsTimestamp || fc == clsBinary || isNumericClass(fc)
	case clsTime:
		// Numbers read as [-]hhmmss (numberToTime).
		return fc == clsString || fc == clsTimestamp || fc == clsBinary || isNumericClass(fc)
	}
	return false
}

// castDatum converts a datum to type `to` with MySQL rules: numbers round
// half away from zero when losing scale, strings convert to numbers with
// the lenient prefix rule ('12abc' → 12, 'abc' → 0), strings that are not
// valid dates/times convert to NULL, out-of-range integer results are
// errOutOfRange. The result has a.Len() values; the caller releases it.
func castDatum(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	from := a.DataType()
	if arrow.TypeEqual(from, to) {
		a.Retain()
		return a, nil
	}
	n := a.Len()
	if from.ID() == arrow.NULL {
		return nullArray(mem, to, n), nil
	}
	if !canCast(from, to) {
		return nil, invalidf("cannot convert %s to %s", TypeName(from), TypeName(to))
	}
	switch to.ID() {
	case arrow.INT8:
		return castToInt[int8](mem, a, to, math.MinInt8, math.MaxInt8)
	case arrow.INT16:
		return castToInt[int16](mem, a, to, math.MinInt16, math.MaxInt16)
	case arrow.INT32:
		return castToInt[int32](mem, a, to, math.MinInt32, math.MaxInt32)
	case arrow.INT64:
		return castToInt[int64](mem, a, to, math.MinInt64, math.MaxInt64)
	case arrow.UINT8:
		return castToUint[uint8](mem, a, to, math.MaxUint8)
	case arrow.UINT16:
		return castToUint[uint16](mem, a, to, math.MaxUint16)
	case arrow.UINT32:
		return castToUint[uint32](mem, a, to, math.MaxUint32)
	case arrow.UINT64:
		return castToUint[uint64](mem, a, to, math.MaxUint64)
	case arrow.FLOAT64:
		return castToFloat[float64](mem, a, to)
	case arrow.FLOAT32:
		return castToFloat[float32](mem, a, to)
	case arrow.DECIMAL128:
		return castToDecimal(mem, a, to.(*arrow.Decimal128Type))
	case arrow.BOOL:
		return castToBool(mem, a)
	case arrow.STRING, arrow.LARGE_STRING:
		return castToString(mem, a, to)
	case arrow.BINARY, arrow.LARGE_BINARY:
		return castToBinary(mem, a, to)
	case arrow.DATE32, arrow.TIMESTAMP, arrow.TIME64:
		return castToTemporal(mem, a, to)
	}
	return nil, notImplementedf("conversion from %s to %s", TypeName(from), TypeName(to))
}

// copyValidity returns a copy of a's validity bitmap (nil when no nulls).
func copyValidity(mem memory.Allocator, a arrow.Array) *memory.Buffer {
	if a.NullN() == 0 {
		return nil
	}
	n := a.Len()
	out := newBitmap(mem, n)
	d := a.Data()
	bitutil.CopyBitmap(d.Buffers()[0].Bytes(), d.Offset(), n, out.Bytes(), 0)
	return out
}

// int64Reader returns a per-row reader converting a to int64 (rounding
// half away from zero). ok=false means out of the int64 range.
func int64Reader(a arrow.Array) func(i int) (int64, bool) {
	switch a.DataType().ID() {
	case arrow.INT8:
		v := fixedVals[int8](a)
		return func(i int) (int64, bool) { return int64(v[i]), true }
	case arrow.INT16:
		v := fixedVals[int16](a)
		return func(i int) (int64, bool) { return int64(v[i]), true }
	case arrow.INT32:
		v := fixedVals[int32](a)
		return func(i int) (int64, bool) { return int64(v[i]), true }
	case arrow.INT64:
		v := fixedVals[int64](a)
		return func(i int) (int64, bool) { return v[i], true }
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		r := uint64Reader(a)
		return func(i int) (int64, bool) {
			u, ok := r(i)
			return int64(u), ok && u <= math.MaxInt64
		}
	case arrow.BOOL:
		b := a.(*array.Boolean)
		return func(i int) (int64, bool) {
			if b.Value(i) {
				return 1, true
			}
			return 0, true
		}
	case arrow.DECIMAL128:
		v := fixedVals[decimal128.Num](a)
		_, s := decimalOf(a.DataType())
		return func(i int) (int64, bool) {
			x := v[i].ReduceScaleBy(s, true)
			bi := x.BigInt()
			return bi.Int64(), bi.IsInt64()
		}
	case arrow.DATE32:
		v := fixedVals[arrow.Date32](a)
		return func(i int) (int64, bool) {
			t := v[i].ToTime()
			return int64(t.Year())*10000 + int64(t.Month())*100 + int64(t.Day()), true
		}
	case arrow.TIMESTAMP:
		v := fixedVals[arrow.Timestamp](a)
		unit := timestampUnit(a.DataType())
		return func(i int) (int64, bool) {
			t := v[i].ToTime(unit).UTC()
			d := int64(t.Year())*10000 + int64(t.Month())*100 + int64(t.Day())
			return d*1000000 + int64(t.Hour())*10000 + int64(t.Minute())*100 + int64(t.Second()), true
		}
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		s := stringReader(a)
		return func(i int) (int64, bool) { return parseIntPrefix(s(i)) }
	case arrow.TIME64:
		// TIME as a number is [-]hhmmss, the fraction rounded (MySQL).
		us := timeMicros(a)
		return func(i int) (int64, bool) {
			v := us(i)
			neg := v < 0
			if neg {
				v = -v
			}
			sec := (v + 500000) / 1e6
			x := sec/3600*10000 + sec/60%60*100 + sec%60
			if neg {
				x = -x
			}
			return x, true
		}
	}
	if a.DataType().ID() == arrow.NULL || classOf(a.DataType()) == clsOther {
		return func(int) (int64, bool) { return 0, true }
	}
	f := float64Reader(a)
	return func(i int) (int64, bool) {
		x := math.Round(f(i))
		if x >= 9.223372036854775807e18 || x < -9.223372036854775808e18 || math.IsNaN(x) {
			return 0, false
		}
		return int64(x), true
	}
}

// uint64Reader is int64Reader for unsigned targets (negative → out of range).
func uint64Reader(a arrow.Array) func(i int) (uint64, bool) {
	switch a.DataType().ID() {
	case arrow.UINT8:
		v := fixedVals[uint8](a)
		return func(i int) (uint64, bool) { return uint64(v[i]), true }
	case arrow.UINT16:
		v := fixedVals[uint16](a)
		return func(i int) (uint64, bool) { return uint64(v[i]), true }
	case arrow.UINT32:
		v := fixedVals[uint32](a)
		return func(i int) (uint64, bool) { return uint64(v[i]), true }
	case arrow.UINT64:
		v := fixedVals[uint64](a)
		return func(i int) (uint64, bool) { return v[i], true }
	case arrow.FLOAT32, arrow.FLOAT64:
		f := float64Reader(a)
		return func(i int) (uint64, bool) {
			x := math.Round(f(i))
			if x < 0 || x >= 1.8446744073709551615e19 || math.IsNaN(x) {
				return 0, false
			}
			return uint64(x), true
		}
	case arrow.DECIMAL128:
		v := fixedVals[decimal128.Num](a)
		_, s := decimalOf(a.DataType())
		return func(i int) (uint64, bool) {
			bi := v[i].ReduceScaleBy(s, true).BigInt()
			return bi.Uint64(), bi.IsUint64()
		}
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		s := stringReader(a)
		return func(i int) (uint64, bool) {
			str := strings.TrimSpace(s(i))
			if strings.HasPrefix(str, "-") {
				x, ok := parseIntPrefix(str)
				return uint64(x), ok && x == 0
			}
			return parseUintPrefix(str)
		}
	}
	r := int64Reader(a)
	return func(i int) (uint64, bool) {
		x, ok := r(i)
		return uint64(x), ok && x >= 0
	}
}

// float64Reader returns a per-row reader converting a to float64.
func float64Reader(a arrow.Array) func(i int) float64 {
	switch a.DataType().ID() {
	case arrow.FLOAT32:
		v := fixedVals[float32](a)
		return func(i int) float64 { return float64(v[i]) }
	case arrow.FLOAT64:
		v := fixedVals[float64](a)
		return func(i int) float64 { return v[i] }
	case arrow.DECIMAL128:
		v := fixedVals[decimal128.Num](a)
		_, s := decimalOf(a.DataType())
		return func(i int) float64 { return decimalToFloat(v[i], s) }
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		r := uint64Reader(a)
		return func(i int) float64 { u, _ := r(i); return float64(u) }
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		s := stringReader(a)
		return func(i int) float64 { return parseFloatPrefix(s(i)) }
	case arrow.TIME64:
		us := timeMicros(a)
		return func(i int) float64 {
			x, _ := timeNumber(us(i))
			return float64(x) / 1e6
		}
	}
	r := int64Reader(a)
	return func(i int) float64 { x, _ := r(i); return float64(x) }
}

// stringReader returns a per-row reader of a string or binary array as text.
func stringReader(a arrow.Array) func(i int) string {
	switch x := a.(type) {
	case *array.String:
		return x.Value
	case *array.LargeString:
		return x.Value
	case *array.Binary:
		return x.ValueString
	case *array.LargeBinary:
		return func(i int) string { return string(x.Value(i)) }
	}
	return func(int) string { return "" }
}

func castToInt[T int8 | int16 | int32 | int64](mem memory.Allocator, a arrow.Array, to arrow.DataType, lo, hi int64) (arrow.Array, error) {
	n := a.Len()
	validity := copyValidity(mem, a)
	var vb []byte
	if validity != nil {
		vb = validity.Bytes()
	}
	buf, out := newFixed[T](mem, n)
	fail := func() (arrow.Array, error) {
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, errOutOfRange
	}
	// Fast path: widening between signed integers.
	switch a.DataType().ID() {
	case arrow.INT8:
		widen(fixedVals[int8](a), out)
		return makeArray(to, n, validity, buf), nil
	case arrow.INT16:
		if lo <= math.MinInt16 {
			widen(fixedVals[int16](a), out)
			return makeArray(to, n, validity, buf), nil
		}
	case arrow.INT32:
		if lo <= math.MinInt32 {
			widen(fixedVals[int32](a), out)
			return makeArray(to, n, validity, buf), nil
		}
	}
	r := int64Reader(a)
	if c := classOf(a.DataType()); to.ID() == arrow.INT64 && (c == clsString || c == clsBinary) {
		// Text → BIGINT saturates and keeps the 64 bits (strToInt64Bits).
		s := stringReader(a)
		r = func(i int) (int64, bool) { b, _ := strToInt64Bits(s(i)); return int64(b), true }
	}
	if to.ID() == arrow.INT64 && classOf(a.DataType()) == clsUint {
		// BIGINT UNSIGNED → BIGINT reinterprets the 64 bits, as MySQL's
		// CAST(x AS SIGNED) does (CAST(18446744073709551615 AS SIGNED) = -1).
		ur := uint64Reader(a)
		r = func(i int) (int64, bool) { u, _ := ur(i); return int64(u), true }
	}
	for i := 0; i < n; i++ {
		if !validBit(vb, i) {
			out[i] = 0
			continue
		}
		x, ok := r(i)
		if !ok || x < lo || x > hi {
			return fail()
		}
		out[i] = T(x)
	}
	return makeArray(to, n, validity, buf), nil
}

func widen[F int8 | int16 | int32 | int64 | uint8 | uint16 | uint32, T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](in []F, out []T) {
	for i, v := range in {
		out[i] = T(v)
	}
}

func castToUint[T uint8 | uint16 | uint32 | uint64](mem memory.Allocator, a arrow.Array, to arrow.DataType, hi uint64) (arrow.Array, error) {
	n := a.Len()
	validity := copyValidity(mem, a)
	var vb []byte
	if validity != nil {
		vb = validity.Bytes()
	}
	buf, out := newFixed[T](mem, n)
	r := uint64Reader(a)
	if to.ID() == arrow.UINT64 {
		switch c := classOf(a.DataType()); c {
		case clsString, clsBinary:
			// Text → BIGINT UNSIGNED saturates and keeps the 64 bits
			// ('-1' → 18446744073709551615), see strToInt64Bits.
			s := stringReader(a)
			r = func(i int) (uint64, bool) { b, _ := strToInt64Bits(s(i)); return b, true }
		case clsInt, clsBool:
			// Signed integers (and integer text) → BIGINT UNSIGNED keep their
			// 64 bits, as MySQL's CAST(x AS UNSIGNED) does (-1 →
			// 18446744073709551615).
			sr, ur := int64Reader(a), r
			r = func(i int) (uint64, bool) {
				if u, ok := ur(i); ok {
					return u, true
				}
				x, ok := sr(i)
				return uint64(x), ok
			}
		}
	}
	for i := 0; i < n; i++ {
		if !validBit(vb, i) {
			out[i] = 0
			continue
		}
		x, ok := r(i)
		if !ok || x > hi {
			buf.Release()
			if validity != nil {
				validity.Release()
			}
			return nil, errOutOfRange
		}
		out[i] = T(x)
	}
	return makeArray(to, n, validity, buf), nil
}

func castToFloat[T float32 | float64](mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := a.Len()
	validity := copyValidity(mem, a)
	buf, out := newFixed[T](mem, n)
	switch a.DataType().ID() {
	case arrow.INT64:
		for i, v := range fixedVals[int64](a) {
			out[i] = T(v)
		}
	case arrow.INT32:
		for i, v := range fixedVals[int32](a) {
			out[i] = T(v)
		}
	case arrow.FLOAT32:
		for i, v := range fixedVals[float32](a) {
			out[i] = T(v)
		}
	case arrow.FLOAT64:
		for i, v := range fixedVals[float64](a) {
			out[i] = T(v)
		}
	default:
		var vb []byte
		if validity != nil {
			vb = validity.Bytes()
		}
		r := float64Reader(a)
		for i := 0; i < n; i++ {
			if validBit(vb, i) {
				out[i] = T(r(i))
			} else {
				out[i] = 0
			}
		}
	}
	return makeArray(to, n, validity, buf), nil
}

func castToDecimal(mem memory.Allocator, a arrow.Array, to *arrow.Decimal128Type) (arrow.Array, error) {
	if from, ok := a.DataType().(*arrow.Decimal128Type); ok && from.Scale == to.Scale && from.Precision <= to.Precision {
		// Same scale, wider precision: every value already fits and keeps
		// its bits. Share the buffers under the new type (no copy).
		d := a.Data()
		nd := array.NewData(to, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
		defer nd.Release()
		return array.MakeFromData(nd), nil
	}
	n := a.Len()
	validity := copyValidity(mem, a)
	var vb []byte
	if validity != nil {
		vb = validity.Bytes()
	}
	buf, out := newFixed[decimal128.Num](mem, n)
	fail := func() (arrow.Array, error) {
		buf.Release()
		if validity != nil {
			validity.Release()
		}
		return nil, errOutOfRange
	}
	var get func(i int) (decimal256.Num, bool)
	switch c := classOf(a.DataType()); c {
	case clsDecimal:
		v := fixedVals[decimal128.Num](a)
		_, s := decimalOf(a.DataType())
		get = func(i int) (decimal256.Num, bool) { return rescale256(to256(v[i]), s, to.Scale), true }
	case clsInt, clsBool, clsDate, clsTimestamp:
		r := int64Reader(a)
		get = func(i int) (decimal256.Num, bool) {
			x, ok := r(i)
			return decimal256.FromI64(x).Mul(pow10_256[to.Scale]), ok
		}
	case clsUint:
		r := uint64Reader(a)
		get = func(i int) (decimal256.Num, bool) {
			x, ok := r(i)
			return decimal256.FromU64(x).Mul(pow10_256[to.Scale]), ok
		}
	case clsTime:
		us := timeMicros(a)
		get = func(i int) (decimal256.Num, bool) {
			x, _ := timeNumber(us(i)) // hhmmss.ffffff at scale 6
			return rescale256(decimal256.FromI64(x), 6, to.Scale), true
		}
	case clsString, clsBinary:
		s := stringReader(a)
		get = func(i int) (decimal256.Num, bool) {
			txt := numericPrefix(s(i))
			if strings.ContainsAny(txt, "eE") {
				d, err := decimal256.FromFloat64(parseFloatPrefix(txt), 76, to.Scale)
				return d, err == nil
			}
			return parseDecimalText(txt, to.Scale)
		}
	default: // float
		r := float64Reader(a)
		get = func(i int) (decimal256.Num, bool) {
			f := r(i)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return decimal256.Num{}, false
			}
			d, err := decimal256.FromFloat64(f, 76, to.Scale)
			return d, err == nil
		}
	}
	for i := 0; i < n; i++ {
		if !validBit(vb, i) {
			out[i] = decimal128.Num{}
			continue
		}
		d, ok := get(i)
		if !ok {
			return fail()
		}
		x, ok := from256(d, to.Precision)
		if !ok {
			return fail()
		}
		out[i] = x
	}
	return makeArray(to, n, validity, buf), nil
}

// rescale256 changes the scale of v, rounding half away from zero.
func rescale256(v decimal256.Num, from, to int32) decimal256.Num {
	switch {
	case to > from:
		return v.Mul(pow10_256[to-from])
	case to < from:
		return divRoundHalfUp256(v, pow10_256[from-to])
	}
	return v
}

// parseDecimalText parses [+-]digits[.digits] at the given scale, rounding.
func parseDecimalText(txt string, scale int32) (decimal256.Num, bool) {
	neg := false
	if txt != "" && (txt[0] == '-' || txt[0] == '+') {
		neg = txt[0] == '-'
		txt = txt[1:]
	}
	intPart, frac, _ := strings.Cut(txt, ".")
	digits := intPart + frac
	if len(strings.TrimLeft(digits, "0")) > 76 {
		return decimal256.Num{}, false
	}
	v := decimal256.Num{}
	ten := decimal256.FromI64(10)
	for _, c := range digits {
		v = v.Mul(ten).Add(decimal256.FromI64(int64(c - '0')))
	}
	v = rescale256(v, int32(len(frac)), scale)
	if neg {
		v = v.Negate()
	}
	return v, true
}

func castToBool(mem memory.Allocator, a arrow.Array) (arrow.Array, error) {
	n := a.Len()
	validity := copyValidity(mem, a)
	vals := newBitmap(mem, n)
	out := vals.Bytes()
	switch classOf(a.DataType()) {
	case clsFloat, clsString, clsBinary:
		r := float64Reader(a)
		for i := 0; i < n; i++ {
			if validAt(a, i) && r(i) != 0 {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case clsDecimal:
		v := fixedVals[decimal128.Num](a)
		for i := 0; i < n; i++ {
			if validAt(a, i) && v[i].Sign() != 0 {
				out[i>>3] |= 1 << (i & 7)
			}
		}
	case clsUint:
		r := uint64Reader(a)
		for i := 0; i < n; i++ {
			if validAt(a, i) {
				if x, _ := r(i); x != 0 {
					out[i>>3] |= 1 << (i & 7)
				}
			}
		}
	default:
		r := int64Reader(a)
		for i := 0; i < n; i++ {
			if validAt(a, i) {
				if x, _ := r(i); x != 0 {
					out[i>>3] |= 1 << (i & 7)
				}
			}
		}
	}
	return makeBoolArray(n, validity, vals), nil
}

// formatValue returns a per-row formatter of a as MySQL text.
func formatReader(a arrow.Array) func(i int) string {
	switch a.DataType().ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		return stringReader(a)
	case arrow.BOOL:
		b := a.(*array.Boolean)
		return func(i int) string {
			if b.Value(i) {
				return "1"
			}
			return "0"
		}
	case arrow.FLOAT32, arrow.FLOAT64:
		r := float64Reader(a)
		return func(i int) string { return formatFloat(r(i)) }
	case arrow.DECIMAL128:
		v := fixedVals[decimal128.Num](a)
		_, s := decimalOf(a.DataType())
		return func(i int) string { return v[i].ToString(s) }
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		r := uint64Reader(a)
		return func(i int) string { x, _ := r(i); return strconv.FormatUint(x, 10) }
	case arrow.DATE32:
		v := fixedVals[arrow.Date32](a)
		return func(i int) string { return formatDate(v[i]) }
	case arrow.TIMESTAMP:
		v := fixedVals[int64](a)
		u := timestampUnit(a.DataType())
		return func(i int) string { return formatTimestamp(v[i], u) }
	case arrow.TIME64:
		v := fixedVals[int64](a)
		u := timeUnit(a.DataType())
		return func(i int) string { return formatTime(v[i], u) }
	}
	r := int64Reader(a)
	return func(i int) string { x, _ := r(i); return strconv.FormatInt(x, 10) }
}

func castToString(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := a.Len()
	f := formatReader(a)
	if to.ID() == arrow.LARGE_STRING {
		b := array.NewLargeStringBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if validAt(a, i) {
				b.Append(f(i))
			} else {
				b.AppendNull()
			}
		}
		return b.NewArray(), nil
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		if validAt(a, i) {
			b.Append(f(i))
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

func castToBinary(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := a.Len()
	s := stringReader(a)
	b := array.NewBinaryBuilder(mem, to.(arrow.BinaryDataType))
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		if validAt(a, i) {
			b.AppendString(s(i))
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray(), nil
}

// castToTemporal converts strings (parsed; invalid → NULL, like MySQL's
// warning + NULL), dates and timestamps to DATE, DATETIME or TIME.
func castToTemporal(mem memory.Allocator, a arrow.Array, to arrow.DataType) (arrow.Array, error) {
	n := a.Len()
	validity := ensureValidity(mem, copyValidity(mem, a), n)
	vb := validity.Bytes()
	var get func(i int) (time.Time, bool)
	switch a.DataType().ID() {
	case arrow.DATE32:
		v := fixedVals[arrow.Date32](a)
		get = func(i int) (time.Time, bool) { return v[i].ToTime(), true }
	case arrow.TIMESTAMP:
		v := fixedVals[arrow.Timestamp](a)
		u := timestampUnit(a.DataType())
		get = func(i int) (time.Time, bool) { return v[i].ToTime(u).UTC(), true }
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY:
		s := stringReader(a)
		if to.ID() == arrow.TIME64 {
			return buildTime64(mem, to, n, validity, func(i int) (int64, bool) { return parseTimeText(s(i)) }), nil
		}
		get = func(i int) (time.Time, bool) { return parseDateTime(s(i)) }
	default:
		num, err := numberParts(a)
		if err != nil {
			validity.Release()
			return nil, err
		}
		if to.ID() == arrow.TIME64 {
			return buildTime64(mem, to, n, validity, func(i int) (int64, bool) { return numberToTime(num(i)) }), nil
		}
		get = func(i int) (time.Time, bool) { return numberToDateTime(num(i)) }
	}
	switch to.ID() {
	case arrow.DATE32:
		buf, out := newFixed[arrow.Date32](mem, n)
		for i := 0; i < n; i++ {
			out[i] = 0
			if !validBit(vb, i) {
				continue
			}
			t, ok := get(i)
			if !ok {
				bitutil.ClearBit(vb, i)
				continue
			}
			out[i] = arrow.Date32FromTime(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC))
		}
		return makeArray(to, n, validity, buf), nil
	case arrow.TIMESTAMP:
		unit := timestampUnit(to)
		buf, out := newFixed[arrow.Timestamp](mem, n)
		for i := 0; i < n; i++ {
			out[i] = 0
			if !validBit(vb, i) {
				continue
			}
			t, ok := get(i)
			if !ok {
				bitutil.ClearBit(vb, i)
				continue
			}
			ts, err := arrow.TimestampFromTime(t, unit)
			if err != nil {
				bitutil.ClearBit(vb, i)
				continue
			}
			out[i] = ts
		}
		return makeArray(to, n, validity, buf), nil
	case arrow.TIME64:
		unit := timeUnit(to)
		buf, out := newFixed[int64](mem, n)
		for i := 0; i < n; i++ {
			out[i] = 0
			if !validBit(vb, i) {
				continue
			}
			t, ok := get(i)
			if !ok {
				bitutil.ClearBit(vb, i)
				continue
			}
			d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
				time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
			out[i] = int64(d) / int64(unit.Multiplier())
		}
		return makeArray(to, n, validity, buf), nil
	}
	validity.Release()
	return nil, notImplementedf("conversion to %s", TypeName(to))
}

// parseDateTime parses MySQL date/datetime text the way MySQL's
// str_to_datetime does:
//
//   - delimited: year, month and day separated by any punctuation
//     ('2024-1-2', '2024/01/02', '2024^1^2'), then optionally spaces or 'T'
//     and hour, minute, second, likewise separated, and '.' with up to six
//     fraction digits (more are cut); a 1- or 2-digit year is 20YY below
//     70 and 19YY from 70;
//   - digits only: YYYYMMDDhhmmss, YYMMDDhhmmss, YYYYMMDD or YYMMDD, with
//     an optional '.' fraction after the time;
//   - leading and trailing spaces are ignored; other trailing text after a
//     complete date is ignored (MySQL warns).
//
// Impossible dates (month 13, February 30) and the zero date are not
// values (ok=false → NULL, as MySQL 8 returns with a warning for CAST).
// Time zone suffixes are not accepted: DATETIME has none.
func parseDateTime(s string) (time.Time, bool) {
	s = strings.Trim(s, " \t\n\r")
	if s == "" {
		return time.Time{}, false
	}
	nd := 0
	for nd < len(s) && s[nd] >= '0' && s[nd] <= '9' {
		nd++
	}
	if nd == len(s) || (s[nd] == '.' && nd >= 12) {
		return parseDateTimeDigits(s[:nd], s[nd:])
	}
	var f [6]int
	var yearDigits int
	pos := 0
	n := 0 // fields read
	for n < 6 {
		start := pos
		v := 0
		for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' && pos-start < 9 {
			v = v*10 + int(s[pos]-'0')
			pos++
		}
		if pos == start {
			break
		}
		if n == 0 {
			yearDigits = pos - start
		}
		f[n] = v
		n++
		if pos >= len(s) || n == 6 {
			break
		}
		// Separator: between date and time, spaces or 'T'; elsewhere one
		// punctuation character (MySQL accepts any).
		c := s[pos]
		if n == 3 {
			if c != ' ' && c != 'T' && c != '\t' {
				break
			}
			for pos < len(s) && (s[pos] == ' ' || s[pos] == '\t') {
				pos++
			}
			if pos < len(s) && s[pos] == 'T' && c == 'T' {
				pos++
			}
			continue
		}
		// ':' separates only time parts here, so '10:05:03' stays a TIME
		// for readers that try a datetime first (MySQL would read it as
		// the date 2010-05-03 in a DATE context).
		if !isDatePunct(c) || (c == ':' && n < 3) {
			break
		}
		pos++
	}
	if n < 3 {
		return time.Time{}, false
	}
	us := 0
	if n == 6 && pos < len(s) && s[pos] == '.' {
		pos++
		digits := 0
		for pos < len(s) && s[pos] >= '0' && s[pos] <= '9' {
			if digits < 6 {
				us = us*10 + int(s[pos]-'0')
				digits++
			}
			pos++
		}
		for ; digits < 6 && digits > 0; digits++ {
			us *= 10
		}
	}
	if yearDigits <= 2 {
		f[0] = twoDigitYear(f[0])
	}
	return makeDateTime(f[0], f[1], f[2], f[3], f[4], f[5], us)
}

// isDatePunct reports whether c may separate the parts of a date or time
// (MySQL accepts any punctuation).
func isDatePunct(c byte) bool {
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')
}

// twoDigitYear maps a 2-digit year as MySQL does: 00-69 → 2000-2069,
// 70-99 → 1970-1999.
func twoDigitYear(y int) int {
	if y < 70 {
		return y + 2000
	}
	return y + 1900
}

// parseDateTimeDigits parses the digits-only forms of parseDateTime; frac
// is "" or "." and fraction digits.
func parseDateTimeDigits(d, frac string) (time.Time, bool) {
	atoi := func(s string) int {
		v := 0
		for i := 0; i < len(s); i++ {
			v = v*10 + int(s[i]-'0')
		}
		return v
	}
	var y, mo, dd, h, mi, sec int
	switch len(d) {
	case 14:
		y, mo, dd, h, mi, sec = atoi(d[:4]), atoi(d[4:6]), atoi(d[6:8]), atoi(d[8:10]), atoi(d[10:12]), atoi(d[12:])
	case 12:
		y, mo, dd, h, mi, sec = twoDigitYear(atoi(d[:2])), atoi(d[2:4]), atoi(d[4:6]), atoi(d[6:8]), atoi(d[8:10]), atoi(d[10:])
	case 8:
		y, mo, dd = atoi(d[:4]), atoi(d[4:6]), atoi(d[6:])
	case 6:
		y, mo, dd = twoDigitYear(atoi(d[:2])), atoi(d[2:4]), atoi(d[4:])
	default:
		return time.Time{}, false
	}
	us := 0
	if len(frac) > 1 {
		digits := 0
		for i := 1; i < len(frac) && frac[i] >= '0' && frac[i] <= '9'; i++ {
			if digits < 6 {
				us = us*10 + int(frac[i]-'0')
				digits++
			}
		}
		for ; digits < 6 && digits > 0; digits++ {
			us *= 10
		}
	}
	return makeDateTime(y, mo, dd, h, mi, sec, us)
}

// makeDateTime validates and builds a DATETIME value (UTC wall clock).
func makeDateTime(y, mo, d, h, mi, sec, us int) (time.Time, bool) {
	if y > 9999 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, time.Month(mo)) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, time.UTC), true
}

// parseTimeOfDay parses [-]HH:MM[:SS[.ffffff]] into microseconds.
func parseTimeOfDay(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || m > 59 || h < 0 || m < 0 || h > 838 {
		return 0, false
	}
	var us int64
	if len(parts) == 3 {
		sec, frac, _ := strings.Cut(parts[2], ".")
		sv, err := strconv.ParseInt(sec, 10, 64)
		if err != nil || sv > 59 || sv < 0 {
			return 0, false
		}
		us = sv * 1_000_000
		if frac != "" {
			if len(frac) > 6 {
				frac = frac[:6]
			}
			fv, err := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
			if err != nil {
				return 0, false
			}
			us += fv
		}
	}
	us += (h*3600 + m*60) * 1_000_000
	if neg {
		us = -us
	}
	return us, true
}

// numericPrefix returns the longest prefix of s (after leading spaces) that
// is a number: [+-]digits[.digits][e[+-]digits]. MySQL converts the rest
// away with a warning.
func numericPrefix(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	s = s[i:]
	j := 0
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	digits := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		k := j + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
			digits++
		}
		if digits > 0 {
			j = k
		}
	}
	if digits == 0 {
		return ""
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		e := k
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > e {
			j = k
		}
	}
	return s[:j]
}

// parseFloatPrefix is MySQL's lenient string → DOUBLE: '12abc' → 12,
// 'abc' → 0, ' 1.5e2x' → 150.
func parseFloatPrefix(s string) float64 {
	p := numericPrefix(s)
	if p == "" {
		return 0
	}
	f, err := strconv.ParseFloat(p, 64)
	if err != nil && math.IsInf(f, 0) {
		// Out of range: MySQL gives the largest DOUBLE ('1e400' →
		// 1.7976931348623157e308, with a warning), never infinity.
		return math.Copysign(math.MaxFloat64, f)
	}
	return f
}

// strToInt64Bits is MySQL's strtoll10, which CAST(str AS SIGNED/UNSIGNED)
// and the integer value of a string use: leading spaces skipped, an
// optional sign, then the decimal digits that follow ('12abc' → 12, '1e3'
// → 1, '1.9' → 1, 'abc' → 0; MySQL warns about the rest). Positive values
// saturate at 18446744073709551615 and negative ones at
// -9223372036854775808 (overflow reports it). The result is the 64 bits:
// SIGNED reads them as two's complement, so CAST('18446744073709551615' AS
// SIGNED) is -1 and CAST('9223372036854775809' AS SIGNED) is
// -9223372036854775807, as in MySQL.
func strToInt64Bits(s string) (bits uint64, overflow bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var u uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		d := uint64(s[i] - '0')
		if u > (math.MaxUint64-d)/10 {
			overflow = true
			u = math.MaxUint64
			break
		}
		u = u*10 + d
	}
	if neg {
		if overflow || u > 1<<63 {
			return 1 << 63, true // -9223372036854775808
		}
		return -u, false
	}
	return u, overflow
}

// parseIntPrefix is MySQL's lenient string → BIGINT (see strToInt64Bits);
// ok is false when the value does not fit in BIGINT.
func parseIntPrefix(s string) (int64, bool) {
	bits, over := strToInt64Bits(s)
	v := int64(bits)
	if over {
		return v, false
	}
	neg := strings.HasPrefix(strings.TrimLeft(s, " \t\n\r"), "-")
	return v, neg || bits <= math.MaxInt64
}

func parseUintPrefix(s string) (uint64, bool) {
	p := numericPrefix(s)
	if i := strings.IndexAny(p, ".eE"); i >= 0 {
		p = p[:i]
	}
	p = strings.TrimPrefix(p, "+")
	if p == "" {
		return 0, true
	}
	v, err := strconv.ParseUint(p, 10, 64)
	return v, err == nil
}

// decimalToFloat converts exactly-rounded (decimal128's ToFloat64 can be
// off by an ulp: 0.3 became 0.30000000000000004): small values divide by an
// exact power of ten, which IEEE rounds correctly; others go through text.
func decimalToFloat(v decimal128.Num, scale int32) float64 {
	if v.HighBits() == 0 && v.LowBits() < 1<<53 && scale >= 0 && scale <= 22 {
		return float64(v.LowBits()) / math.Pow10(int(scale))
	}
	if v.HighBits() == -1 && v.LowBits() != 0 && -int64(v.LowBits()) < 1<<53 && int64(v.LowBits()) < 0 && scale >= 0 && scale <= 22 {
		return -float64(-int64(v.LowBits())) / math.Pow10(int(scale))
	}
	f, err := strconv.ParseFloat(v.ToString(scale), 64)
	if err != nil {
		return v.ToFloat64(scale)
	}
	return f
}

// buildTime64 fills a TIME array (unit of to) from get, which returns
// microseconds; rows already NULL in validity (which buildTime64 takes
// over) are skipped and rows get rejects become NULL.
func buildTime64(mem memory.Allocator, to arrow.DataType, n int, validity *memory.Buffer, get func(i int) (int64, bool)) arrow.Array {
	vb := validity.Bytes()
	div := int64(1)
	if timeUnit(to) == arrow.Second {
		div = 1e6
	} else if timeUnit(to) == arrow.Millisecond {
		div = 1e3
	}
	mul := int64(1)
	if timeUnit(to) == arrow.Nanosecond {
		mul = 1e3
	}
	buf, out := newFixed[int64](mem, n)
	for i := 0; i < n; i++ {
		out[i] = 0
		if !validBit(vb, i) {
			continue
		}
		us, ok := get(i)
		if !ok {
			bitutil.ClearBit(vb, i)
			continue
		}
		out[i] = us / div * mul
	}
	return makeArray(to, n, validity, buf)
}

// parseTimeText is MySQL's string → TIME: TIME text (parseTimeValue:
// 'hh:mm:ss', 'D hh:mm', 'hhmmss', '0'), else a datetime's time of day
// ('2011-02-03 10:11:12' → 10:11:12).
func parseTimeText(s string) (int64, bool) {
	if us, ok := parseTimeValue(s); ok {
		return us, true
	}
	t, ok := parseDateTime(s)
	if !ok {
		return 0, false
	}
	return int64(t.Hour()*3600+t.Minute()*60+t.Second())*1e6 + int64(t.Nanosecond()/1000), true
}

// numParts is a number split for temporal conversion: its integer part's
// magnitude, its sign and its fraction in microseconds (rounded).
type numParts struct {
	whole uint64
	neg   bool
	us    int64
	ok    bool // false when the integer part exceeds 64 bits
}

// numberParts returns a reader splitting the numbers of a (integers,
// DOUBLE, DECIMAL) into numParts.
func numberParts(a arrow.Array) (func(i int) numParts, error) {
	switch c := classOf(a.DataType()); c {
	case clsInt, clsBool:
		r := int64Reader(a)
		return func(i int) numParts {
			x, _ := r(i)
			if x < 0 {
				return numParts{whole: uint64(-x), neg: true, ok: true}
			}
			return numParts{whole: uint64(x), ok: true}
		}, nil
	case clsUint:
		r := uint64Reader(a)
		return func(i int) numParts { x, _ := r(i); return numParts{whole: x, ok: true} }, nil
	case clsFloat:
		r := float64Reader(a)
		return func(i int) numParts {
			f := r(i)
			p := numParts{neg: f < 0}
			f = math.Abs(f)
			w := math.Floor(f)
			if math.IsNaN(f) || w >= 1.8446744073709551615e19 {
				return p
			}
			p.whole, p.us, p.ok = uint64(w), int64(math.Round((f-w)*1e6)), true
			if p.us == 1e6 {
				p.whole, p.us = p.whole+1, 0
			}
			return p
		}, nil
	case clsDecimal:
		v := fixedVals[decimal128.Num](a)
		_, sc := decimalOf(a.DataType())
		return func(i int) numParts {
			x := v[i]
			p := numParts{neg: x.Sign() < 0}
			x = x.Abs()
			// Round to microseconds, then split.
			us := to256(x)
			if sc > 6 {
				us = divRoundHalfUp256(us, pow10_256[sc-6])
			} else {
				us = us.Mul(pow10_256[6-sc])
			}
			q, r := us.Div(pow10_256[6])
			bi := q.BigInt()
			if !bi.IsUint64() {
				return p
			}
			p.whole, p.us, p.ok = bi.Uint64(), r.BigInt().Int64(), true
			return p
		}, nil
	}
	return nil, notImplementedf("conversion of %s to a date or time", TypeName(a.DataType()))
}

// numberToDateTime is MySQL's number_to_datetime: YYMMDD, YYYYMMDD,
// YYMMDDhhmmss or YYYYMMDDhhmmss (2-digit years 00-69 are 20YY, 70-99
// 19YY), the fraction as microseconds. Negative numbers, 0 and other
// shapes are not dates (ok=false → NULL).
func numberToDateTime(p numParts) (time.Time, bool) {
	nr := p.whole
	if !p.ok || p.neg || nr == 0 {
		return time.Time{}, false
	}
	switch {
	case nr >= 10000101000000:
		// YYYYMMDDhhmmss
	case nr < 101:
		return time.Time{}, false
	case nr <= 691231:
		nr = (nr + 20000000) * 1000000
	case nr < 700101:
		return time.Time{}, false
	case nr <= 991231:
		nr = (nr + 19000000) * 1000000
	case nr < 10000101:
		return time.Time{}, false
	case nr <= 99991231:
		nr *= 1000000
	case nr < 101000000:
		return time.Time{}, false
	case nr <= 691231235959:
		nr += 20000000000000
	case nr < 700101000000:
		return time.Time{}, false
	case nr <= 991231235959:
		nr += 19000000000000
	default:
		return time.Time{}, false
	}
	if nr > 99991231235959 {
		return time.Time{}, false
	}
	date, tod := nr/1000000, nr%1000000
	return makeDateTime(int(date/10000), int(date/100%100), int(date%100), int(tod/10000), int(tod/100%100), int(tod%100), int(p.us))
}

// numberToTime is MySQL's number → TIME: [-]hhmmss (minutes and seconds
// below 60, hours clamped to 838), or a datetime number's time of day
// when it has more than 10 digits; the fraction as microseconds.
func numberToTime(p numParts) (int64, bool) {
	if !p.ok {
		return 0, false
	}
	if p.whole >= 10000000000 {
		t, ok := numberToDateTime(numParts{whole: p.whole, us: p.us, ok: true})
		if !ok || p.neg {
			return 0, false
		}
		return int64(t.Hour()*3600+t.Minute()*60+t.Second())*1e6 + p.us, true
	}
	h, m, s := p.whole/10000, p.whole/100%100, p.whole%100
	if m > 59 || s > 59 {
		return 0, false
	}
	us := clampTime(int64(h*3600+m*60+s)*1e6 + p.us)
	if p.neg {
		us = -us
	}
	return us, true
}

// timeMicros reads a TIME array (any unit) as signed microseconds.
func timeMicros(a arrow.Array) func(i int) int64 {
	switch x := a.(type) {
	case *array.Time64:
		div := int64(1)
		if x.DataType().(*arrow.Time64Type).Unit == arrow.Nanosecond {
			div = 1e3
		}
		return func(i int) int64 { return int64(x.Value(i)) / div }
	case *array.Time32:
		mul := int64(1e6)
		if x.DataType().(*arrow.Time32Type).Unit == arrow.Millisecond {
			mul = 1e3
		}
		return func(i int) int64 { return int64(x.Value(i)) * mul }
	}
	return func(int) int64 { return 0 }
}

// timeNumber is a TIME as the number [-]hhmmss.ffffff, scaled by 10^6.
func timeNumber(us int64) (int64, bool) {
	neg := us < 0
	if neg {
		us = -us
	}
	sec, frac := us/1e6, us%1e6
	x := (sec/3600*10000+sec/60%60*100+sec%60)*1e6 + frac
	if neg {
		x = -x
	}
	return x, true
}

// NewHexLiteral builds the literal of a hexadecimal or bit-value literal
// (0x41, X'41', b'101'): a VARBINARY of those bytes that reads as their
// unsigned integer in numeric contexts (see Literal.Hex).
func NewHexLiteral(b []byte) *Literal {
	return &Literal{DataType: TypeBinary, Value: append([]byte(nil), b...), Hex: true}
}

// hexAsNumber returns e unchanged unless it is a hex literal (Literal.Hex)
// and want is a numeric type: then the BIGINT UNSIGNED literal of its
// bytes, read big-endian (more than 8 significant bytes saturate at
// 18446744073709551615, as MySQL's overflow warning does).
func hexAsNumber(e Expr, want arrow.DataType) Expr {
	l, ok := e.(*Literal)
	if !ok || !l.Hex || !isNumericClass(classOf(want)) {
		return e
	}
	b, _ := l.Value.([]byte)
	var u uint64
	for i, c := range b {
		if len(b)-i > 8 && c != 0 {
			return &Literal{DataType: TypeUint64, Value: uint64(math.MaxUint64)}
		}
		u = u<<8 | uint64(c)
	}
	return &Literal{DataType: TypeUint64, Value: u}
}

// saturateIntLiteral clamps a numeric constant passed where a function
// wants BIGINT (or BIGINT UNSIGNED) to that type's range, as MySQL's
// integer value of an argument does with a warning: LEFT('hello',
// 18446744073709551616) is 'hello' and SUBSTRING('hello',
// -18446744073709551615, 1) is empty. Other expressions are returned as they
// are.
func saturateIntLiteral(e Expr, want arrow.DataType) Expr {
	l, ok := e.(*Literal)
	if !ok || l.Value == nil || (want.ID() != arrow.INT64 && want.ID() != arrow.UINT64) {
		return e
	}
	var f float64
	switch v := l.Value.(type) {
	case decimal128.Num:
		_, s := decimalOf(l.DataType)
		f = decimalToFloat(v, s)
	case float64:
		f = v
	case uint64:
		if want.ID() == arrow.INT64 && v > math.MaxInt64 {
			return &Literal{DataType: TypeInt64, Value: int64(math.MaxInt64)}
		}
		return e
	default:
		return e
	}
	switch {
	case want.ID() == arrow.INT64 && f >= 9.223372036854775807e18:
		return &Literal{DataType: TypeInt64, Value: int64(math.MaxInt64)}
	case want.ID() == arrow.INT64 && f < -9.223372036854775808e18:
		return &Literal{DataType: TypeInt64, Value: int64(math.MinInt64)}
	case want.ID() == arrow.UINT64 && f >= 1.8446744073709551615e19:
		return &Literal{DataType: TypeUint64, Value: uint64(math.MaxUint64)}
	case want.ID() == arrow.UINT64 && f < 0:
		return &Literal{DataType: TypeUint64, Value: uint64(0)}
	}
	return e
}

// decimalResult is the DECIMAL(p,s) type of an arithmetic result. MySQL
// keeps up to 65 digits; Quiver's Decimal128 holds 38, so a wider result
// gives up fraction digits before integer digits (down to min(s, 6)):
// DECIMAL(30,25) * 9999999999 is DECIMAL(38,23), not a DECIMAL(38,25)
// that cannot hold its 15 integer digits.
func decimalResult(p, s int32) arrow.DataType {
	if p > MaxDecimalPrecision {
		s = max(s-(p-MaxDecimalPrecision), min(s, 6))
		p = MaxDecimalPrecision
	}
	return Decimal(p, s)
}

// narrowIntLiteral returns an integer literal as the DECIMAL of its own
// digits (9999999999 → DECIMAL(10,0)), as MySQL sizes a literal, so that
// DECIMAL arithmetic with it does not reserve 19 or 20 integer digits;
// other expressions are returned as they are.
func narrowIntLiteral(e Expr) Expr {
	l, ok := e.(*Literal)
	if !ok {
		return e
	}
	var digits int32
	var d decimal128.Num
	switch v := l.Value.(type) {
	case int64:
		digits = int32(len(strconv.FormatInt(v, 10)))
		if v < 0 {
			digits--
		}
		d = decimal128.FromI64(v)
	case uint64:
		digits = int32(len(strconv.FormatUint(v, 10)))
		d = decimal128.FromU64(v)
	default:
		return e
	}
	return &Literal{DataType: Decimal(digits, 0), Value: d}
}
