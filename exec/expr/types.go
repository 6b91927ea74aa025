package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// The canonical Arrow types Quiver uses for MySQL types.
var (
	TypeBool      arrow.DataType = arrow.FixedWidthTypes.Boolean
	TypeInt64     arrow.DataType = arrow.PrimitiveTypes.Int64
	TypeUint64    arrow.DataType = arrow.PrimitiveTypes.Uint64
	TypeFloat64   arrow.DataType = arrow.PrimitiveTypes.Float64
	TypeString    arrow.DataType = arrow.BinaryTypes.String
	TypeBinary    arrow.DataType = arrow.BinaryTypes.Binary
	TypeDate      arrow.DataType = arrow.FixedWidthTypes.Date32
	TypeTimestamp arrow.DataType = &arrow.TimestampType{Unit: arrow.Microsecond}
	TypeTime      arrow.DataType = arrow.FixedWidthTypes.Time64us
	TypeNull      arrow.DataType = arrow.Null
)

// MaxDecimalPrecision is the largest DECIMAL precision Quiver supports
// (Decimal128); MySQL allows 65, results are capped at 38.
const MaxDecimalPrecision = 38

// Decimal returns the DECIMAL(p,s) type, capping p at MaxDecimalPrecision
// and keeping s <= p.
func Decimal(p, s int32) arrow.DataType {
	if p > MaxDecimalPrecision {
		p = MaxDecimalPrecision
	}
	if s > p {
		s = p
	}
	if p < 1 {
		p = 1
	}
	return &arrow.Decimal128Type{Precision: p, Scale: s}
}

// class groups Arrow types into the MySQL type families used by coercion.
type class int

const (
	clsOther class = iota
	clsNull
	clsBool
	clsInt  // signed integers
	clsUint // unsigned integers
	clsFloat
	clsDecimal
	clsString
	clsBinary
	clsDate
	clsTimestamp
	clsTime
)

func classOf(t arrow.DataType) class {
	switch t.ID() {
	case arrow.NULL:
		return clsNull
	case arrow.BOOL:
		return clsBool
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return clsInt
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return clsUint
	case arrow.FLOAT32, arrow.FLOAT64:
		return clsFloat
	case arrow.DECIMAL128:
		return clsDecimal
	case arrow.STRING, arrow.LARGE_STRING:
		return clsString
	case arrow.BINARY, arrow.LARGE_BINARY:
		return clsBinary
	case arrow.DATE32:
		return clsDate
	case arrow.TIMESTAMP:
		return clsTimestamp
	case arrow.TIME64:
		return clsTime
	}
	return clsOther
}

func isIntegerClass(c class) bool { return c == clsInt || c == clsUint }
func isNumericClass(c class) bool {
	return c == clsInt || c == clsUint || c == clsFloat || c == clsDecimal || c == clsBool
}
func isTemporalClass(c class) bool { return c == clsDate || c == clsTimestamp || c == clsTime }

// intDigits is the decimal precision needed to hold every value of an
// integer (or boolean) type, as MySQL uses when mixing integers with DECIMAL.
func intDigits(t arrow.DataType) int32 {
	switch t.ID() {
	case arrow.BOOL:
		return 1
	case arrow.INT8, arrow.UINT8:
		return 3
	case arrow.INT16, arrow.UINT16:
		return 5
	case arrow.INT32, arrow.UINT32:
		return 10
	case arrow.INT64:
		return 19
	case arrow.UINT64:
		return 20
	}
	return 19
}

// decimalOf returns (precision, scale) of t viewed as an exact number:
// DECIMAL(p,s) itself, integers as DECIMAL(digits,0).
func decimalOf(t arrow.DataType) (int32, int32) {
	if d, ok := t.(*arrow.Decimal128Type); ok {
		return d.Precision, d.Scale
	}
	return intDigits(t), 0
}

// TypeName is the SQL (MySQL) name of an Arrow type: BIGINT, DOUBLE,
// DECIMAL(p,s), VARCHAR, DATE, DATETIME, BOOLEAN...
func TypeName(t arrow.DataType) string {
	if t == nil {
		return "NULL"
	}
	switch t.ID() {
	case arrow.NULL:
		return "NULL"
	case arrow.BOOL:
		return "BOOLEAN"
	case arrow.INT8:
		return "TINYINT"
	case arrow.INT16:
		return "SMALLINT"
	case arrow.INT32:
		return "INT"
	case arrow.INT64:
		return "BIGINT"
	case arrow.UINT8:
		return "TINYINT UNSIGNED"
	case arrow.UINT16:
		return "SMALLINT UNSIGNED"
	case arrow.UINT32:
		return "INT UNSIGNED"
	case arrow.UINT64:
		return "BIGINT UNSIGNED"
	case arrow.FLOAT32:
		return "FLOAT"
	case arrow.FLOAT64:
		return "DOUBLE"
	case arrow.DECIMAL128, arrow.DECIMAL256:
		d := t.(arrow.DecimalType)
		return fmt.Sprintf("DECIMAL(%d,%d)", d.GetPrecision(), d.GetScale())
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return "VARCHAR"
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return "VARBINARY"
	case arrow.DATE32, arrow.DATE64:
		return "DATE"
	case arrow.TIMESTAMP:
		return "DATETIME"
	case arrow.TIME32, arrow.TIME64:
		return "TIME"
	}
	return strings.ToUpper(t.String())
}

// NewLiteral builds a Literal from a Go value, inferring its type:
// int, int8..int64 → BIGINT; uint..uint64 → BIGINT UNSIGNED; float32,
// float64 → DOUBLE; string → VARCHAR; []byte → VARBINARY; bool → BOOLEAN;
// nil → NULL; decimal128.Num → DECIMAL(38,0) (use &Literal{} for other
// scales); arrow.Date32 → DATE; arrow.Timestamp → DATETIME (µs);
// arrow.Time64 → TIME (µs); time.Time → DATETIME. Any other type panics:
// it is a programming error, not a user error.
func NewLiteral(v any) *Literal {
	switch x := v.(type) {
	case nil:
		return &Literal{DataType: TypeNull}
	case int:
		return &Literal{DataType: TypeInt64, Value: int64(x)}
	case int8:
		return &Literal{DataType: TypeInt64, Value: int64(x)}
	case int16:
		return &Literal{DataType: TypeInt64, Value: int64(x)}
	case int32:
		return &Literal{DataType: TypeInt64, Value: int64(x)}
	case int64:
		return &Literal{DataType: TypeInt64, Value: x}
	case uint:
		return &Literal{DataType: TypeUint64, Value: uint64(x)}
	case uint8:
		return &Literal{DataType: TypeUint64, Value: uint64(x)}
	case uint16:
		return &Literal{DataType: TypeUint64, Value: uint64(x)}
	case uint32:
		return &Literal{DataType: TypeUint64, Value: uint64(x)}
	case uint64:
		return &Literal{DataType: TypeUint64, Value: x}
	case float32:
		return &Literal{DataType: TypeFloat64, Value: float64(x)}
	case float64:
		return &Literal{DataType: TypeFloat64, Value: x}
	case string:
		return &Literal{DataType: TypeString, Value: x}
	case []byte:
		return &Literal{DataType: TypeBinary, Value: x}
	case bool:
		return &Literal{DataType: TypeBool, Value: x}
	case decimal128.Num:
		return &Literal{DataType: Decimal(38, 0), Value: x}
	case arrow.Date32:
		return &Literal{DataType: TypeDate, Value: x}
	case arrow.Timestamp:
		return &Literal{DataType: TypeTimestamp, Value: x}
	case arrow.Time64:
		return &Literal{DataType: TypeTime, Value: x}
	case time.Time:
		return &Literal{DataType: TypeTimestamp, Value: arrow.Timestamp(x.UnixMicro())}
	}
	panic(fmt.Sprintf("expr.NewLiteral: unsupported Go type %T", v))
}

// NewDecimalLiteral parses a decimal constant such as "12.50" into a
// DECIMAL(p,s) literal whose precision and scale are those of the text
// (MySQL's rule for exact-value literals). ErrInvalid if it is not a number.
func NewDecimalLiteral(text string) (*Literal, error) {
	p, s, ok := decimalTextShape(text)
	if !ok {
		return nil, invalidf("%q is not a decimal number", text)
	}
	if p > MaxDecimalPrecision {
		return nil, invalidf("decimal literal %s has more than %d digits", text, MaxDecimalPrecision)
	}
	n, err := decimal128.FromString(text, p, s)
	if err != nil {
		return nil, invalidf("decimal literal %s: %v", text, err)
	}
	return &Literal{DataType: Decimal(p, s), Value: n}, nil
}

// decimalTextShape returns the precision and scale of a plain decimal text
// ([+-]digits[.digits]).
func decimalTextShape(s string) (p, sc int32, ok bool) {
	s = strings.TrimLeft(s, "+-")
	if s == "" {
		return 0, 0, false
	}
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
	}
	p = int32(len(intPart) + len(frac))
	if p == 0 {
		p = 1
	}
	return p, int32(len(frac)), true
}

// Null returns a NULL literal of type t.
func Null(t arrow.DataType) *Literal { return &Literal{DataType: t} }

// IsNull reports whether the literal is NULL.
func (l *Literal) IsNull() bool { return l.Value == nil }

// String renders a Literal as SQL text (strings quoted, NULL as NULL).
func (l *Literal) String() string {
	if l.Value == nil {
		return "NULL"
	}
	switch v := l.Value.(type) {
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return formatFloat(v)
	case string:
		return quoteString(v)
	case []byte:
		return fmt.Sprintf("X'%X'", v)
	case decimal128.Num:
		_, s := decimalOf(l.DataType)
		return v.ToString(s)
	case arrow.Date32:
		return "DATE " + quoteString(formatDate(v))
	case arrow.Timestamp:
		return "TIMESTAMP " + quoteString(formatTimestamp(int64(v), timestampUnit(l.DataType)))
	case arrow.Time64:
		return "TIME " + quoteString(formatTime(int64(v), timeUnit(l.DataType)))
	}
	return fmt.Sprintf("%v", l.Value)
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// formatFloat renders a DOUBLE the way MySQL prints it: shortest
// round-trip form, no exponent for ordinary magnitudes.
func formatFloat(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	a := math.Abs(v)
	if a != 0 && (a < 1e-15 || a >= 1e15) {
		// MySQL writes the exponent bare: 1e20, 1.5e-20 (Go: 1e+20, 1.5e-20).
		m, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', -1, 64), "e")
		neg := strings.HasPrefix(e, "-")
		e = strings.TrimLeft(strings.TrimLeft(e, "+-"), "0")
		if neg {
			e = "-" + e
		}
		return m + "e" + e
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func formatDate(d arrow.Date32) string { return d.FormattedString() }

func timestampUnit(t arrow.DataType) arrow.TimeUnit {
	if ts, ok := t.(*arrow.TimestampType); ok {
		return ts.Unit
	}
	return arrow.Microsecond
}

func timeUnit(t arrow.DataType) arrow.TimeUnit {
	if ts, ok := t.(*arrow.Time64Type); ok {
		return ts.Unit
	}
	return arrow.Microsecond
}

// formatTimestamp renders 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC wall clock).
func formatTimestamp(v int64, unit arrow.TimeUnit) string {
	t := arrow.Timestamp(v).ToTime(unit).UTC()
	s := t.Format("2006-01-02 15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", us), "0")
	}
	return s
}

// formatTime renders 'HH:MM:SS[.ffffff]' (may exceed 24 hours or be negative).
func formatTime(v int64, unit arrow.TimeUnit) string {
	us := v
	switch unit {
	case arrow.Nanosecond:
		us = v / 1000
	case arrow.Millisecond:
		us = v * 1000
	case arrow.Second:
		us = v * 1_000_000
	}
	sign := ""
	if us < 0 {
		sign, us = "-", -us
	}
	sec := us / 1_000_000
	frac := us % 1_000_000
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, sec/3600, sec/60%60, sec%60)
	if frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
	}
	return s
}
