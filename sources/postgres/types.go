package postgres

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// PostgreSQL type OIDs we map natively (pg_type.oid; stable across versions).
const (
	oidBool        = 16
	oidBytea       = 17
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

// Unconstrained numeric (no typmod) is read as DECIMAL(38,10): values are
// rounded half away from zero to 10 fractional digits and a value with more
// than 28 integer digits is a read error naming the column. Filters on such
// columns are never pushed down (PostgreSQL would compare the unrounded
// values, so Exact could drift from what the engine sees).
const (
	unconstrainedNumericPrecision = 38
	unconstrainedNumericScale     = 10
)

// pgEpochDays and pgEpochMicros shift PostgreSQL's 2000-01-01 epoch to Unix.
const (
	pgEpochDays   = 10957
	pgEpochMicros = int64(pgEpochDays) * 86400 * 1_000_000
)

// column is one remote column: its name, PostgreSQL type, and the Arrow
// type Quiver reads it as.
type column struct {
	Name    string
	OID     uint32 // pg_attribute.atttypid
	TypMod  int32  // pg_attribute.atttypmod (-1 when none)
	TypName string // format_type(atttypid, atttypmod), for messages and DDL
	NotNull bool
	// AsText is set for types without a native mapping: they are selected
	// as "col"::text and read as String. Filters on them are not pushed
	// and Insert refuses them.
	AsText bool
	Type   arrow.DataType
	// Lossy is set when the Arrow type cannot hold every remote value
	// exactly (unconstrained numeric): filters on it are not pushed.
	Lossy bool
}

// mapType returns the Arrow type of a PostgreSQL column type. Types without
// a native mapping are read through a ::text cast (asText).
func mapType(oid uint32, typmod int32) (t arrow.DataType, asText, lossy bool) {
	switch oid {
	case oidBool:
		return arrow.FixedWidthTypes.Boolean, false, false
	case oidInt2:
		return arrow.PrimitiveTypes.Int16, false, false
	case oidInt4:
		return arrow.PrimitiveTypes.Int32, false, false
	case oidInt8:
		return arrow.PrimitiveTypes.Int64, false, false
	case oidFloat4:
		return arrow.PrimitiveTypes.Float32, false, false
	case oidFloat8:
		return arrow.PrimitiveTypes.Float64, false, false
	case oidNumeric:
		if typmod >= 4 {
			p := int32((typmod - 4) >> 16 & 0xffff)
			s := int32((typmod - 4) & 0xffff)
			// PostgreSQL 15 allows negative scales and scales above the
			// precision; only the plain case maps to DECIMAL.
			if p >= 1 && p <= 38 && s >= 0 && s <= p {
				return &arrow.Decimal128Type{Precision: p, Scale: s}, false, false
			}
			return arrow.BinaryTypes.String, true, false
		}
		return &arrow.Decimal128Type{Precision: unconstrainedNumericPrecision, Scale: unconstrainedNumericScale}, false, true
	case oidText, oidVarchar, oidBpchar, oidName, oidJSON, oidJSONB, oidUUID:
		return arrow.BinaryTypes.String, false, false
	case oidBytea:
		return arrow.BinaryTypes.Binary, false, false
	case oidDate:
		return arrow.FixedWidthTypes.Date32, false, false
	case oidTime:
		return arrow.FixedWidthTypes.Time64us, false, false
	case oidTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, false, false
	case oidTimestamptz:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, false, false
	}
	return arrow.BinaryTypes.String, true, false
}

// decodeFunc appends one non-NULL value in PostgreSQL's binary format to b
// (a builder of the column's Arrow type).
type decodeFunc func(b array.Builder, v []byte) error

// decoderFor returns the binary decoder of c. Decoders do no boxing: each
// is a typed append into the column's builder.
func decoderFor(c *column) decodeFunc {
	if c.AsText {
		return decodeString
	}
	switch c.OID {
	case oidBool:
		return func(b array.Builder, v []byte) error {
			if len(v) != 1 {
				return badLen(c, v, 1)
			}
			b.(*array.BooleanBuilder).UnsafeAppend(v[0] != 0)
			return nil
		}
	case oidInt2:
		return func(b array.Builder, v []byte) error {
			if len(v) != 2 {
				return badLen(c, v, 2)
			}
			b.(*array.Int16Builder).UnsafeAppend(int16(binary.BigEndian.Uint16(v)))
			return nil
		}
	case oidInt4:
		return func(b array.Builder, v []byte) error {
			if len(v) != 4 {
				return badLen(c, v, 4)
			}
			b.(*array.Int32Builder).UnsafeAppend(int32(binary.BigEndian.Uint32(v)))
			return nil
		}
	case oidInt8:
		return func(b array.Builder, v []byte) error {
			if len(v) != 8 {
				return badLen(c, v, 8)
			}
			b.(*array.Int64Builder).UnsafeAppend(int64(binary.BigEndian.Uint64(v)))
			return nil
		}
	case oidFloat4:
		return func(b array.Builder, v []byte) error {
			if len(v) != 4 {
				return badLen(c, v, 4)
			}
			b.(*array.Float32Builder).UnsafeAppend(math.Float32frombits(binary.BigEndian.Uint32(v)))
			return nil
		}
	case oidFloat8:
		return func(b array.Builder, v []byte) error {
			if len(v) != 8 {
				return badLen(c, v, 8)
			}
			b.(*array.Float64Builder).UnsafeAppend(math.Float64frombits(binary.BigEndian.Uint64(v)))
			return nil
		}
	case oidNumeric:
		scale := c.Type.(*arrow.Decimal128Type).Scale
		prec := c.Type.(*arrow.Decimal128Type).Precision
		return func(b array.Builder, v []byte) error {
			n, err := decodeNumeric(v, scale, prec)
			if err != nil {
				return fmt.Errorf("column %s (%s): %w", c.Name, c.TypName, err)
			}
			b.(*array.Decimal128Builder).UnsafeAppend(n)
			return nil
		}
	case oidJSONB:
		return func(b array.Builder, v []byte) error {
			if len(v) < 1 || v[0] != 1 {
				return fmt.Errorf("column %s (jsonb): unknown binary format version", c.Name)
			}
			b.(*array.StringBuilder).BinaryBuilder.Append(v[1:])
			return nil
		}
	case oidUUID:
		return func(b array.Builder, v []byte) error {
			if len(v) != 16 {
				return badLen(c, v, 16)
			}
			var buf [36]byte
			hex.Encode(buf[0:8], v[0:4])
			buf[8] = '-'
			hex.Encode(buf[9:13], v[4:6])
			buf[13] = '-'
			hex.Encode(buf[14:18], v[6:8])
			buf[18] = '-'
			hex.Encode(buf[19:23], v[8:10])
			buf[23] = '-'
			hex.Encode(buf[24:], v[10:])
			b.(*array.StringBuilder).BinaryBuilder.Append(buf[:])
			return nil
		}
	case oidBytea:
		return func(b array.Builder, v []byte) error {
			b.(*array.BinaryBuilder).Append(v)
			return nil
		}
	case oidDate:
		return func(b array.Builder, v []byte) error {
			if len(v) != 4 {
				return badLen(c, v, 4)
			}
			d := int32(binary.BigEndian.Uint32(v))
			if d == math.MaxInt32 || d == math.MinInt32 {
				return fmt.Errorf("column %s (date): infinite dates cannot be represented", c.Name)
			}
			b.(*array.Date32Builder).UnsafeAppend(arrow.Date32(d + pgEpochDays))
			return nil
		}
	case oidTime:
		return func(b array.Builder, v []byte) error {
			if len(v) != 8 {
				return badLen(c, v, 8)
			}
			b.(*array.Time64Builder).UnsafeAppend(arrow.Time64(int64(binary.BigEndian.Uint64(v))))
			return nil
		}
	case oidTimestamp, oidTimestamptz:
		return func(b array.Builder, v []byte) error {
			if len(v) != 8 {
				return badLen(c, v, 8)
			}
			us := int64(binary.BigEndian.Uint64(v))
			if us == math.MaxInt64 || us == math.MinInt64 {
				return fmt.Errorf("column %s (%s): infinite timestamps cannot be represented", c.Name, c.TypName)
			}
			b.(*array.TimestampBuilder).UnsafeAppend(arrow.Timestamp(us + pgEpochMicros))
			return nil
		}
	}
	// text, varchar, bpchar, name, json: the binary format is the text.
	return decodeString
}

func decodeString(b array.Builder, v []byte) error {
	b.(*array.StringBuilder).BinaryBuilder.Append(v)
	return nil
}

func badLen(c *column, v []byte, want int) error {
	return fmt.Errorf("column %s (%s): binary value of %d bytes, want %d", c.Name, c.TypName, len(v), want)
}

// Numeric binary format (src/backend/utils/adt/numeric.c, numeric_send):
// int16 ndigits, int16 weight, uint16 sign, int16 dscale, then ndigits
// base-10000 digits; value = sum(digit[i] * 10000^(weight-i)).
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

var (
	pow10         [39]decimal128.Num
	numericAccCap decimal128.Num // 1.7*10^34: acc*10000 + d stays below 2^127
	tenThousand   = decimal128.FromU64(10000)
)

func init() {
	pow10[0] = decimal128.FromU64(1)
	for i := 1; i < len(pow10); i++ {
		pow10[i] = pow10[i-1].Mul(decimal128.FromU64(10))
	}
	numericAccCap = pow10[33].Mul(decimal128.FromU64(17))
}

// decodeNumeric converts a binary numeric to an unscaled decimal128 at the
// given scale, rounding half away from zero when the value has more
// fractional digits, and failing when it does not fit prec digits.
func decodeNumeric(v []byte, scale, prec int32) (decimal128.Num, error) {
	if len(v) < 8 {
		return decimal128.Num{}, fmt.Errorf("numeric value of %d bytes is truncated", len(v))
	}
	ndigits := int(binary.BigEndian.Uint16(v[0:]))
	weight := int(int16(binary.BigEndian.Uint16(v[2:])))
	sign := binary.BigEndian.Uint16(v[4:])
	switch sign {
	case numericPos, numericNeg:
	case numericNaN:
		return decimal128.Num{}, fmt.Errorf("NaN cannot be represented as DECIMAL")
	case numericPInf, numericNInf:
		return decimal128.Num{}, fmt.Errorf("infinity cannot be represented as DECIMAL")
	default:
		return decimal128.Num{}, fmt.Errorf("numeric with unknown sign 0x%x", sign)
	}
	if len(v) != 8+2*ndigits {
		return decimal128.Num{}, fmt.Errorf("numeric of %d digits in %d bytes", ndigits, len(v))
	}
	if ndigits == 0 {
		return decimal128.Num{}, nil
	}
	overflow := func() (decimal128.Num, error) {
		return decimal128.Num{}, fmt.Errorf("value does not fit DECIMAL(%d,%d)", prec, scale)
	}
	// Only the groups down to scale+1 fractional digits matter (the extra
	// digit decides rounding; later ones cannot move a half-away-from-zero
	// rounding across the half).
	use := weight + 1 + (int(scale)+1+3)/4
	if use <= 0 {
		return decimal128.Num{}, nil // below half a unit of the scale
	}
	if use < ndigits {
		ndigits = use
	}
	// acc = the digits as one integer; the value is acc / 10^exp10.
	var acc decimal128.Num
	for i := 0; i < ndigits; i++ {
		if !acc.Less(numericAccCap) {
			return decodeNumericBig(v, ndigits, weight, sign, scale, prec)
		}
		acc = acc.Mul(tenThousand).Add(decimal128.FromU64(uint64(binary.BigEndian.Uint16(v[8+2*i:]))))
	}
	exp10 := 4 * (ndigits - 1 - weight) // value = acc / 10^exp10
	shift := int(scale) - exp10
	switch {
	case shift > 0:
		if shift > 38 || !acc.Less(pow10[38-shift]) {
			return overflow()
		}
		acc = acc.Mul(pow10[shift])
	case shift < 0:
		if -shift > 38 {
			acc = decimal128.Num{} // far below the scale's resolution
			break
		}
		q, r := acc.Div(pow10[-shift])
		// round half away from zero (acc is non-negative here)
		if !r.Mul(decimal128.FromU64(2)).Less(pow10[-shift]) {
			q = q.Add(decimal128.FromU64(1))
		}
		acc = q
	}
	if !acc.FitsInPrecision(prec) {
		return overflow()
	}
	if sign == numericNeg {
		acc = acc.Negate()
	}
	return acc, nil
}

// decodeNumericBig is decodeNumeric's slow path for values whose digits
// overflow 128 bits before scaling (e.g. 38 significant digits whose last
// base-10000 group is only partly used). ndigits is already trimmed.
func decodeNumericBig(v []byte, ndigits, weight int, sign uint16, scale, prec int32) (decimal128.Num, error) {
	acc := new(big.Int)
	tenK := big.NewInt(10000)
	for i := 0; i < ndigits; i++ {
		acc.Mul(acc, tenK)
		acc.Add(acc, big.NewInt(int64(binary.BigEndian.Uint16(v[8+2*i:]))))
	}
	shift := int(scale) - 4*(ndigits-1-weight)
	p := new(big.Int)
	switch {
	case shift > 0:
		acc.Mul(acc, p.Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	case shift < 0:
		p.Exp(big.NewInt(10), big.NewInt(int64(-shift)), nil)
		r := new(big.Int)
		acc.QuoRem(acc, p, r)
		if r.Lsh(r, 1).Cmp(p) >= 0 {
			acc.Add(acc, big.NewInt(1))
		}
	}
	if acc.BitLen() > 127 {
		return decimal128.Num{}, fmt.Errorf("value does not fit DECIMAL(%d,%d)", prec, scale)
	}
	n := decimal128.FromBigInt(acc)
	if !n.FitsInPrecision(prec) {
		return decimal128.Num{}, fmt.Errorf("value does not fit DECIMAL(%d,%d)", prec, scale)
	}
	if sign == numericNeg {
		n = n.Negate()
	}
	return n, nil
}
