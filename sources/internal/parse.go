package internal

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/quiverdb/quiver/errs"
)

// TextParser appends the value written as text s to a typed builder. It
// returns false when s is not a valid value of the type (the builder is
// then unchanged). Parsers are typed closures built once per column, so the
// per-value work is one strconv call and one typed Append.
type TextParser func(s string) bool

// NewTextParser returns the parser for b's type, or an ErrInvalid error
// naming the type when text files cannot hold it.
func NewTextParser(b array.Builder) (TextParser, error) {
	switch bb := b.(type) {
	case *array.Int8Builder:
		return intParser(8, func(v int64) { bb.Append(int8(v)) }), nil
	case *array.Int16Builder:
		return intParser(16, func(v int64) { bb.Append(int16(v)) }), nil
	case *array.Int32Builder:
		return intParser(32, func(v int64) { bb.Append(int32(v)) }), nil
	case *array.Int64Builder:
		return intParser(64, bb.Append), nil
	case *array.Uint8Builder:
		return uintParser(8, func(v uint64) { bb.Append(uint8(v)) }), nil
	case *array.Uint16Builder:
		return uintParser(16, func(v uint64) { bb.Append(uint16(v)) }), nil
	case *array.Uint32Builder:
		return uintParser(32, func(v uint64) { bb.Append(uint32(v)) }), nil
	case *array.Uint64Builder:
		return uintParser(64, bb.Append), nil
	case *array.Float32Builder:
		return func(s string) bool {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
			if err != nil {
				return false
			}
			bb.Append(float32(v))
			return true
		}, nil
	case *array.Float64Builder:
		return func(s string) bool {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return false
			}
			bb.Append(v)
			return true
		}, nil
	case *array.BooleanBuilder:
		return func(s string) bool {
			v, ok := ParseBool(s)
			if ok {
				bb.Append(v)
			}
			return ok
		}, nil
	case *array.StringBuilder:
		return func(s string) bool { bb.Append(s); return true }, nil
	case *array.LargeStringBuilder:
		return func(s string) bool { bb.Append(s); return true }, nil
	case *array.BinaryBuilder:
		return func(s string) bool { bb.AppendString(s); return true }, nil
	case *array.Date32Builder:
		return func(s string) bool {
			d, ok := ParseDate(s)
			if ok {
				bb.Append(d)
			}
			return ok
		}, nil
	case *array.TimestampBuilder:
		unit := bb.Type().(*arrow.TimestampType).Unit
		return func(s string) bool {
			v, err := arrow.TimestampFromString(strings.TrimSpace(s), unit)
			if err != nil {
				return false
			}
			bb.Append(v)
			return true
		}, nil
	case *array.Decimal128Builder:
		dt := bb.Type().(*arrow.Decimal128Type)
		return func(s string) bool {
			v, err := decimal128.FromString(strings.TrimSpace(s), dt.Precision, dt.Scale)
			if err != nil {
				return false
			}
			bb.Append(v)
			return true
		}, nil
	}
	return nil, errs.Invalidf("columns of type %s cannot be read from text files", b.Type())
}

func intParser(bits int, app func(int64)) TextParser {
	return func(s string) bool {
		v, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
		if err != nil {
			return false
		}
		app(v)
		return true
	}
}

func uintParser(bits int, app func(uint64)) TextParser {
	return func(s string) bool {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 10, bits)
		if err != nil {
			return false
		}
		app(v)
		return true
	}
}

// ParseBool accepts true/false (any case), t/f, 1/0 and yes/no.
func ParseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "1", "yes":
		return true, true
	case "false", "f", "0", "no":
		return false, true
	}
	return false, false
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (arrow.Date32, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, false
	}
	return arrow.Date32FromTime(t), true
}

// Inferred is the type lattice used to infer a text column's type from
// sample values: Unknown (only nulls so far) < Int < Float; Bool and Date
// stand alone; anything mixed is String.
type Inferred int

// The lattice's points.
const (
	InferUnknown Inferred = iota
	InferInt
	InferFloat
	InferBool
	InferDate
	InferString
)

// Merge widens k by one sample value's kind.
func (k Inferred) Merge(o Inferred) Inferred {
	switch {
	case k == InferUnknown:
		return o
	case o == InferUnknown || k == o:
		return k
	case (k == InferInt && o == InferFloat) || (k == InferFloat && o == InferInt):
		return InferFloat
	}
	return InferString
}

// KindOf classifies one non-null text value.
func KindOf(s string) Inferred {
	t := strings.TrimSpace(s)
	if _, err := strconv.ParseInt(t, 10, 64); err == nil {
		return InferInt
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil && t != "" && !strings.ContainsAny(t, "nNiI") {
		return InferFloat // excludes NaN/Inf spellings, which are more likely words
	}
	switch strings.ToLower(t) {
	case "true", "false":
		return InferBool
	}
	if _, ok := ParseDate(t); ok {
		return InferDate
	}
	return InferString
}

// Type is the Arrow type of the inferred kind (String for Unknown).
func (k Inferred) Type() arrow.DataType {
	switch k {
	case InferInt:
		return arrow.PrimitiveTypes.Int64
	case InferFloat:
		return arrow.PrimitiveTypes.Float64
	case InferBool:
		return arrow.FixedWidthTypes.Boolean
	case InferDate:
		return arrow.FixedWidthTypes.Date32
	}
	return arrow.BinaryTypes.String
}
